//! The transport-agnostic tracker core.
//!
//! UDP and HTTP both turn their wire requests into an [`AnnounceInput`] and
//! a client IP address and call [`Tracker::announce`]; what comes back is
//! protocol-neutral. Access rules are checked here ([`Tracker::admit`]),
//! once, instead of in each server, and so is the tracker mode
//! ([`TrackerMode`]): in mode `listed` an announce or scrape for a hash
//! not in the [`Catalog`] is refused here, and in mode `private` the
//! announce is credited to the passkey's member ([`accounting::Ledger`])
//! under the swarm's shard lock, before its peer is recorded; a refusal
//! records nothing.
//!
//! Locks are taken in one order only: a swarm shard, then a ledger
//! shard (the member directory takes none). Nothing that holds a ledger
//! shard reaches for the swarm.

use crate::catalog::Catalog;
use crate::client_ip::TrustedProxies;
use crate::stats::Stats;
use accounting::{Counters, Ledger, Members, NotRecorded, PasskeyInUrl, Refusal, Report};
use policy::{Policy, PolicyHandle, Scope};
use std::borrow::Cow;
use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;
use swarm::{Announce, Clock, PeerOut, Secs, Swarm, SwarmCounts};
use tracker_proto::udp::ConnectionIds;
use tracker_proto::{AnnounceEvent, InfoHash, PeerId};

/// What the servers tell clients about timing.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct TrackerSettings {
    /// Seconds clients should wait between announces.
    pub announce_interval: u32,
    /// Seconds clients must wait at least (HTTP `min interval`).
    pub min_announce_interval: u32,
}

impl Default for TrackerSettings {
    fn default() -> Self {
        Self {
            announce_interval: 1800,
            min_announce_interval: 900,
        }
    }
}

/// Which torrents the tracker serves.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum TrackerMode {
    /// Any info-hash: a torrent is tracked from its first announce.
    #[default]
    Open,
    /// Only the info-hashes in the [`Catalog`] (those of approved
    /// releases); announces for others are refused and scrapes say
    /// nothing about them.
    Listed,
    /// Listed, and every announce carries a member's passkey; each
    /// member's uploaded and downloaded bytes are accounted per release.
    Private,
}

impl TrackerMode {
    pub fn as_str(self) -> &'static str {
        match self {
            TrackerMode::Open => "open",
            TrackerMode::Listed => "listed",
            TrackerMode::Private => "private",
        }
    }
}

/// A request for a torrent this tracker does not serve (mode `listed`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Unlisted;

impl Unlisted {
    /// What clients are told. The wording is the one private trackers use,
    /// which clients and torrent managers recognise as "unregistered".
    pub const MESSAGE: &'static str = "torrent not registered with this tracker";
}

/// Why an announce is not served.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Rejection {
    /// The hash is not listed (modes `listed` and `private`).
    Unlisted,
    /// Mode `private`: the announce URL has no passkey.
    NoPasskey,
    /// Mode `private`: something in the passkey's place is not one.
    MalformedPasskey,
    /// Mode `private`: no member has this passkey (never had, rotated
    /// away, account disabled or deleted).
    UnknownPasskey,
    /// Mode `private`: an accounting rule refuses a new download.
    Rule(Refusal),
}

impl Rejection {
    /// The `failure reason` clients show to their users.
    pub fn message(&self) -> Cow<'static, str> {
        match self {
            Rejection::Unlisted => Cow::Borrowed(Unlisted::MESSAGE),
            Rejection::NoPasskey => Cow::Borrowed(
                "this tracker needs your passkey: download the .torrent again from the site",
            ),
            Rejection::MalformedPasskey => Cow::Borrowed("malformed passkey in the announce URL"),
            Rejection::UnknownPasskey => Cow::Borrowed(
                "unknown or revoked passkey: download the .torrent again from the site",
            ),
            Rejection::Rule(refusal) => Cow::Owned(refusal.message()),
        }
    }
}

impl From<Unlisted> for Rejection {
    fn from(_: Unlisted) -> Self {
        Rejection::Unlisted
    }
}

/// An announce after the wire format has been parsed.
#[derive(Clone, Copy, Debug)]
pub struct AnnounceInput {
    pub info_hash: InfoHash,
    pub peer_id: PeerId,
    pub port: u16,
    pub event: AnnounceEvent,
    pub uploaded: u64,
    pub downloaded: u64,
    pub left: u64,
    pub numwant: Option<u32>,
    /// What the announce URL said about a passkey; only mode `private`
    /// reads it.
    pub passkey: PasskeyInUrl,
}

/// What mode `private` adds: who may announce and what they moved.
#[derive(Debug)]
pub struct Accounting {
    pub members: Arc<Members>,
    pub ledger: Arc<Ledger>,
}

impl Accounting {
    fn new(ledger: Arc<Ledger>) -> Self {
        Self {
            members: Arc::new(Members::closing_sessions_in(Arc::clone(&ledger))),
            ledger,
        }
    }
}

/// The tracker: swarm store, clock, connection-id secret and counters.
#[derive(Debug)]
pub struct Tracker {
    swarm: Arc<Swarm>,
    clock: Arc<dyn Clock>,
    connection_ids: ConnectionIds,
    settings: TrackerSettings,
    stats: Stats,
    policy: Arc<PolicyHandle>,
    trusted_proxies: TrustedProxies,
    /// `Some` exactly in modes `listed` and `private`: the open mode's
    /// only extra work is this check.
    catalog: Option<Catalog>,
    /// `Some` exactly in mode `private`.
    accounting: Option<Accounting>,
}

/// A request the access policy refuses, with the operator's message.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Refused {
    pub message: String,
}

impl Tracker {
    /// `connection_key` is the secret that signs UDP connection ids; use
    /// [`Tracker::random_connection_key`] outside tests.
    pub fn new(
        swarm: Arc<Swarm>,
        clock: Arc<dyn Clock>,
        settings: TrackerSettings,
        connection_key: [u8; 16],
    ) -> Self {
        Self {
            swarm,
            clock,
            connection_ids: ConnectionIds::new(connection_key),
            settings,
            stats: Stats::default(),
            policy: Arc::new(PolicyHandle::new(Policy::allow_all())),
            trusted_proxies: TrustedProxies::default(),
            catalog: None,
            accounting: None,
        }
    }

    /// Serves the torrents `mode` says; modes `listed` and `private`
    /// start with an empty catalog (fill it with
    /// [`Catalog::replace_all`]). Mode `private` needs
    /// [`Tracker::with_accounting`] as well; until then it knows no
    /// member and refuses every announce.
    pub fn with_mode(mut self, mode: TrackerMode) -> Self {
        self.catalog = match mode {
            TrackerMode::Open => None,
            TrackerMode::Listed | TrackerMode::Private => {
                Some(Catalog::new(Arc::clone(&self.swarm)))
            }
        };
        self.accounting = (mode == TrackerMode::Private)
            .then(|| Accounting::new(Arc::new(Ledger::new(accounting::LedgerConfig::default()))));
        self
    }

    /// Mode `private` with `ledger` (the mode must be `private` already)
    /// and an empty member directory that closes the ledger's sessions of
    /// every passkey it stops knowing: the ledger trusts an open session's
    /// passkey until then.
    pub fn with_accounting(mut self, ledger: Arc<Ledger>) -> Self {
        debug_assert!(
            self.accounting.is_some(),
            "with_accounting outside mode private"
        );
        if self.accounting.is_some() {
            self.accounting = Some(Accounting::new(ledger));
        }
        self
    }

    pub fn mode(&self) -> TrackerMode {
        match (&self.catalog, &self.accounting) {
            (None, _) => TrackerMode::Open,
            (Some(_), None) => TrackerMode::Listed,
            (Some(_), Some(_)) => TrackerMode::Private,
        }
    }

    /// The member directory and ledger, in mode `private` only.
    pub fn accounting(&self) -> Option<&Accounting> {
        self.accounting.as_ref()
    }

    /// The listed info-hashes, in mode `listed` only. The portal inserts a
    /// release's info-hashes when it approves it and removes them when it
    /// unapproves or deletes it; a removal drops the torrent's peers.
    pub fn catalog(&self) -> Option<&Catalog> {
        self.catalog.as_ref()
    }

    /// Enforces `policy` (shared with the portal, which checks its own
    /// scopes against the same handle).
    pub fn with_policy(mut self, policy: Arc<PolicyHandle>) -> Self {
        self.policy = policy;
        self
    }

    /// Reads `Forwarded`/`X-Forwarded-For` from these proxies (HTTP only).
    pub fn with_trusted_proxies(mut self, proxies: TrustedProxies) -> Self {
        self.trusted_proxies = proxies;
        self
    }

    pub fn policy(&self) -> &Arc<PolicyHandle> {
        &self.policy
    }

    pub fn trusted_proxies(&self) -> &TrustedProxies {
        &self.trusted_proxies
    }

    /// Checks the access policy for a tracker request from `client_ip`
    /// (counted in the policy's aggregate counters).
    pub fn admit(&self, client_ip: IpAddr) -> Result<(), Refused> {
        let decision = self.policy.check(client_ip, Scope::Tracker);
        if !decision.denied {
            return Ok(());
        }
        // Tracker clients send no Accept-Language; English is the fallback
        // every rule's message has.
        let message = self.policy.current().message(&decision, &["en"]).to_owned();
        Err(Refused { message })
    }

    /// Swaps in `policy` and removes from every swarm the peers it denies,
    /// so peers from a newly blocked country or network stop being handed
    /// out at once. Returns how many peers were removed.
    pub fn apply_policy(&self, policy: Policy) -> usize {
        self.policy.replace(policy);
        let current = self.policy.current();
        self.swarm
            .remove_peers_where(|addr| current.decide(addr.ip(), Scope::Tracker).denied)
    }

    pub fn random_connection_key() -> [u8; 16] {
        rand::random()
    }

    pub fn swarm(&self) -> &Arc<Swarm> {
        &self.swarm
    }

    pub fn settings(&self) -> TrackerSettings {
        self.settings
    }

    pub fn stats(&self) -> &Stats {
        &self.stats
    }

    pub fn now(&self) -> Secs {
        self.clock.now()
    }

    pub(crate) fn connection_ids(&self) -> &ConnectionIds {
        &self.connection_ids
    }

    /// Records an announce from `client_ip` and fills `peers` with peers of
    /// the same address family; in mode `listed`, refuses one for a hash
    /// that is not listed and leaves `peers` alone; in mode `private`,
    /// also one without a member's passkey or refused by an accounting
    /// rule, and credits the member otherwise (and also when a rule
    /// refuses a seeding session's turn to leeching: the session goes on
    /// seeding, credited what it reported).
    pub fn announce(
        &self,
        client_ip: IpAddr,
        input: &AnnounceInput,
        peers: &mut Vec<PeerOut>,
    ) -> Result<SwarmCounts, Rejection> {
        let announce = Announce {
            info_hash: input.info_hash,
            peer_id: input.peer_id,
            addr: SocketAddr::new(client_ip.to_canonical(), input.port),
            event: input.event,
            left: input.left,
            numwant: input.numwant.map(|n| n as usize),
        };
        let now = self.clock.now();
        if self.catalog.is_none() {
            return Ok(self.swarm.announce(&announce, now, peers));
        }
        let Some(accounting) = &self.accounting else {
            return self
                .swarm
                .announce_listed(&announce, now, peers)
                .ok_or(Rejection::Unlisted);
        };
        let passkey = match input.passkey {
            PasskeyInUrl::Found(passkey) => passkey,
            PasskeyInUrl::Missing => return Err(Rejection::NoPasskey),
            PasskeyInUrl::Malformed => return Err(Rejection::MalformedPasskey),
        };
        // Under the swarm's shard lock, with the release the listed hash is
        // tagged with; the directory is asked only when the ledger has no
        // session for this passkey, peer and torrent.
        let credit = |tag| {
            let report = Report {
                passkey,
                release: Catalog::release_of_tag(tag),
                peer_id: input.peer_id,
                event: input.event,
                counters: Counters {
                    uploaded: input.uploaded,
                    downloaded: input.downloaded,
                },
                left: input.left,
            };
            accounting
                .ledger
                .record(&report, now, &*accounting.members)
                .map_err(|not| match not {
                    NotRecorded::UnknownPasskey => Rejection::UnknownPasskey,
                    NotRecorded::Refused(refusal) => Rejection::Rule(refusal),
                })
        };
        match self
            .swarm
            .announce_listed_with(&announce, now, peers, credit)
        {
            Some(served) => served,
            // Only members learn whether a hash is listed.
            None => Err(match accounting.members.get(&passkey) {
                Some(_) => Rejection::Unlisted,
                None => Rejection::UnknownPasskey,
            }),
        }
    }

    /// Mode `private`: whether a scrape's passkey belongs to a member.
    /// Other modes ask for none.
    pub fn check_scrape_passkey(&self, passkey: PasskeyInUrl) -> Result<(), Rejection> {
        let Some(accounting) = &self.accounting else {
            return Ok(());
        };
        match passkey {
            PasskeyInUrl::Found(passkey) => accounting
                .members
                .get(&passkey)
                .map(|_| ())
                .ok_or(Rejection::UnknownPasskey),
            PasskeyInUrl::Missing => Err(Rejection::NoPasskey),
            PasskeyInUrl::Malformed => Err(Rejection::MalformedPasskey),
        }
    }

    /// A torrent's counts for a tracker scrape: in mode `listed`, refused
    /// for a hash that is not listed (a deleted release's completed count
    /// stays private).
    pub fn scrape(&self, info_hash: &InfoHash) -> Result<SwarmCounts, Unlisted> {
        match self.catalog {
            None => Ok(self.swarm.scrape(info_hash)),
            Some(_) => self.swarm.scrape_listed(info_hash).ok_or(Unlisted),
        }
    }
}
