//! The tracker's counters and the swarm's totals, read at scrape time.

use super::{Sources, count, counters, gauge, gauges};
use prometheus_client::encoding::DescriptorEncoder;
use std::sync::Arc;
use tracker::stats::ProtocolSnapshot;

/// Requests by protocol and kind, refusals by protocol and kind, torrents
/// and peers by family and role, the mode and the listed set.
#[derive(Debug)]
pub(super) struct Collector(pub(super) Arc<Sources>);

/// Requests served, per protocol: UDP has connects, HTTP does not.
fn requests(s: &ProtocolSnapshot, udp: bool) -> Vec<(&'static str, u64)> {
    let mut kinds = vec![("announce", s.announces), ("scrape", s.scrapes)];
    if udp {
        kinds.insert(0, ("connect", s.connects));
    }
    kinds
}

/// Requests refused or lost, per protocol. Only UDP drops input it cannot
/// answer and sees its replies refused by the socket.
fn errors(s: &ProtocolSnapshot, udp: bool) -> Vec<(&'static str, u64)> {
    let mut kinds = vec![
        ("bad_request", s.errors),
        ("denied", s.denied),
        ("unlisted", s.unlisted),
        ("unauthorized", s.unauthorized),
    ];
    if udp {
        kinds.extend([("dropped", s.dropped), ("send_failure", s.send_failures)]);
    }
    kinds
}

impl prometheus_client::collector::Collector for Collector {
    fn encode(&self, mut encoder: DescriptorEncoder<'_>) -> std::fmt::Result {
        let tracker = &self.0.tracker;
        let stats = tracker.stats().snapshot();
        let protocols = [("udp", &stats.udp, true), ("http", &stats.http, false)];
        counters(
            &mut encoder,
            "swarmgate_tracker_requests",
            "Tracker requests received, by protocol and kind.",
            protocols.iter().flat_map(|(protocol, s, udp)| {
                requests(s, *udp)
                    .into_iter()
                    .map(move |(kind, n)| ([("protocol", *protocol), ("kind", kind)], n))
            }),
        )?;
        counters(
            &mut encoder,
            "swarmgate_tracker_errors",
            "Tracker requests refused or lost, by protocol and kind: bad_request (malformed \
             parameters or a stale connection id, answered with an error), denied (access \
             policy), unlisted (info-hash not served), unauthorized (passkey or accounting \
             rule), dropped (too malformed to answer), send_failure (reply not sent).",
            protocols.iter().flat_map(|(protocol, s, udp)| {
                errors(s, *udp)
                    .into_iter()
                    .map(move |(kind, n)| ([("protocol", *protocol), ("kind", kind)], n))
            }),
        )?;
        gauges(
            &mut encoder,
            "swarmgate_tracker_mode",
            "The tracker's mode (open, listed or private): 1 for the running one.",
            [([("mode", tracker.mode().as_str())], 1)],
        )?;
        if let Some(catalog) = tracker.catalog() {
            gauge(
                &mut encoder,
                "swarmgate_tracker_listed_info_hashes",
                "Info-hashes the tracker serves in mode listed or private.",
                count(catalog.len()),
            )?;
        }

        let totals = tracker.swarm().family_totals();
        gauge(
            &mut encoder,
            "swarmgate_swarm_torrents",
            "Torrents with at least one peer.",
            count(totals.torrents),
        )?;
        let peers = [("ipv4", totals.ipv4), ("ipv6", totals.ipv6)];
        gauges(
            &mut encoder,
            "swarmgate_swarm_peers",
            "Peers by address family and role (an IPv4-mapped IPv6 address counts as ipv4).",
            peers.iter().flat_map(|(family, t)| {
                [("seeder", t.seeders), ("leecher", t.leechers)]
                    .map(|(role, n)| ([("family", *family), ("role", role)], count(n)))
            }),
        )
    }
}
