//! Start-up and shutdown: binds every listener, wires the tracker to the
//! store, runs the background jobs, and stops it all in order.
//!
//! [`start`] returns once every socket is bound, so a caller (the binary,
//! or a test binding port 0) can read the real addresses from [`Running`]
//! without waiting on log lines.

use crate::config::Config;
use crate::jobs;
use crate::metrics::{self, FlushMetrics, Metrics, PolicyTotals, Sources};
use crate::private;
use crate::reload::{self, Reloader};
use crate::status::{Listeners, StatusSource};
use anyhow::Context as _;
use policy::PolicyHandle;
use portal::PortalState;
use std::fmt::Write as _;
use std::net::SocketAddr;
use std::sync::Arc;
use std::thread::JoinHandle;
use store::{Database, MigrationReport, Store};
use swarm::{Clock, Swarm, SwarmConfig, SystemClock};
use tokio::sync::oneshot;
use tokio::task::JoinSet;
use tracker::{Shutdown, Tracker, TrackerSettings};

/// A started swarmgate: its bound addresses and the handles to stop it.
#[derive(Debug)]
pub struct Running {
    udp_addrs: Vec<SocketAddr>,
    http_addrs: Vec<SocketAddr>,
    portal_addr: SocketAddr,
    /// `None` when `metrics.enabled` is false.
    metrics_addr: Option<SocketAddr>,
    metrics: Arc<Metrics>,
    tracker: Arc<Tracker>,
    shutdown: Shutdown,
    servers: JoinSet<anyhow::Result<()>>,
    udp_workers: Vec<JoinHandle<()>>,
    flusher: tokio::task::JoinHandle<()>,
    /// Mode `private`: the ledger's writer, awaited before the store
    /// closes, and how it learns that the servers have stopped.
    accounting_flusher: Option<(tokio::task::JoinHandle<()>, oneshot::Sender<()>)>,
    store: Store,
}

/// Starts every server with the real clock.
pub async fn start(config: &Config) -> anyhow::Result<Running> {
    start_with_clock(config, Arc::new(SystemClock::new())).await
}

/// Starts every server with the given clock (tests use a stopped one).
pub async fn start_with_clock(config: &Config, clock: Arc<dyn Clock>) -> anyhow::Result<Running> {
    let started = std::time::SystemTime::now();
    let store = open_store(config).await?;
    let t = &config.tracker;
    let swarm = Arc::new(Swarm::new(SwarmConfig {
        peer_ttl_secs: t.peer_ttl_secs,
        default_numwant: t.default_numwant,
        max_numwant: t.max_numwant,
        ..SwarmConfig::default()
    }));
    let completed = store
        .load_completed()
        .await
        .context("loading completed counts")?;
    tracing::info!(torrents = completed.len(), "loaded completed counts");
    swarm.load_completed(completed);

    let settings = TrackerSettings {
        announce_interval: t.announce_interval_secs,
        min_announce_interval: t.min_announce_interval_secs,
    };
    let policy = reload::load_policy(config.policy.file.as_deref())
        .context("loading the access policy (policy.file)")?;
    tracing::info!(rules = policy.rules().len(), "access policy loaded");
    let policy = Arc::new(PolicyHandle::new(policy));
    let mut tracker = Tracker::new(swarm, clock, settings, Tracker::random_connection_key())
        .with_mode(t.mode.into())
        .with_policy(Arc::clone(&policy))
        .with_trusted_proxies(tracker::TrustedProxies::new(
            config.network.trusted_proxies.clone(),
        ));
    if tracker.accounting().is_some() {
        let ledger = Arc::new(accounting::Ledger::new(config.accounting.ledger_config()));
        tracker = tracker.with_accounting(ledger);
    }
    let tracker = Arc::new(tracker);
    // Loaded before any listener is bound: no announce can come in to an
    // empty catalog or member directory. From here on the portal keeps
    // them in step.
    if let Some(catalog) = tracker.catalog() {
        let listed = private::load_catalog(&store, catalog)
            .await
            .context("loading the approved releases' info-hashes")?;
        tracing::info!(
            info_hashes = listed,
            mode = tracker.mode().as_str(),
            "tracker catalog loaded"
        );
    }
    if let Some(accounting) = tracker.accounting() {
        let members = private::load_members(&store, &accounting.members, &config.accounting)
            .await
            .context("loading the members for tracker mode private")?;
        tracing::info!(members, "tracker members loaded");
    }
    let policy = Arc::new(PolicyTotals::new(policy));
    let flushes = tracker
        .accounting()
        .map(|_| Arc::new(FlushMetrics::default()));
    let metrics = Metrics::new(Sources {
        tracker: Arc::clone(&tracker),
        store: store.clone(),
        policy: Arc::clone(&policy),
        flushes: flushes.clone(),
        started,
    });
    let shutdown = Shutdown::new();
    let mut servers = JoinSet::new();

    let mut udp_addrs = Vec::new();
    let mut udp_workers = Vec::new();
    let workers = match t.udp_workers {
        0 => std::thread::available_parallelism().map_or(1, |n| n.get()),
        n => n,
    };
    for socket in bind_with_twin(t.udp_bind, tracker::net::bind_udp, "tracker.udp_bind")? {
        udp_addrs.push(socket.local_addr()?);
        udp_workers.extend(tracker::udp::spawn(
            socket,
            Arc::clone(&tracker),
            workers,
            shutdown.clone(),
        )?);
    }

    let mut http_addrs = Vec::new();
    for listener in bind_with_twin(t.http_bind, tracker::net::bind_tcp, "tracker.http_bind")? {
        http_addrs.push(listener.local_addr()?);
        let router = tracker::http::router(Arc::clone(&tracker));
        servers.spawn(serve_http(listener, router, shutdown.clone()));
    }

    let portal_listener = tracker::net::bind_tcp(config.portal.bind)
        .with_context(|| format!("portal.bind: cannot listen on {}", config.portal.bind))?;
    let portal_addr = portal_listener.local_addr()?;
    let portal_state = PortalState::new(
        Arc::clone(&tracker),
        store.clone(),
        &config.portal.site_name,
        config.account_settings(),
        Arc::new(portal::clock::SystemWallClock),
    )
    .with_releases(config.portal.release_settings());
    // Before the first page: no visitor sees the built-in look flash by.
    portal_state
        .branding
        .reload(&store)
        .await
        .context("loading the site's branding")?;
    jobs::spawn_branding_reload(
        Arc::clone(&portal_state.branding),
        store.clone(),
        config.portal.branding_reload_interval_secs,
        shutdown.clone(),
        &mut servers,
    );
    let local = config.portal.local_announce_urls();
    if !local.is_empty() {
        tracing::warn!(
            urls = ?local,
            "portal.announce_urls point at this machine: set the tracker's public URLs, \
             or members' .torrent files will not reach it"
        );
    }
    servers.spawn(serve_http(
        portal_listener,
        metrics.portal().wrap(portal::router(portal_state)),
        shutdown.clone(),
    ));

    let metrics_addr = if config.metrics.enabled {
        let bind = config.metrics.bind;
        let listener = tracker::net::bind_tcp(bind)
            .with_context(|| format!("metrics.bind: cannot listen on {bind}"))?;
        let addr = listener.local_addr()?;
        if !addr.ip().is_loopback() {
            tracing::warn!(
                %addr,
                "metrics.bind is not a loopback address: anyone who can reach it reads the metrics"
            );
        }
        let router = metrics::router(Arc::clone(&metrics));
        servers.spawn(serve_http(listener, router, shutdown.clone()));
        Some(addr)
    } else {
        None
    };

    let members_source = tracker
        .accounting()
        .map(|_| (store.clone(), config.accounting.clone()));
    let reloader = Reloader::new(
        Arc::clone(&tracker),
        config.policy.file.clone(),
        members_source,
    );
    reload::spawn_sighup(Arc::clone(&reloader), shutdown.clone())?;
    if config.policy.watch && config.policy.file.is_some() {
        let interval = std::time::Duration::from_millis(config.policy.watch_interval_ms.max(10));
        reload::spawn_watcher(Arc::clone(&reloader), interval, shutdown.clone());
    }
    let status = Arc::new(StatusSource {
        sources: Arc::clone(metrics.sources()),
        listeners: Listeners {
            udp: udp_addrs.clone(),
            http: http_addrs.clone(),
            portal: portal_addr,
            metrics: metrics_addr,
        },
    });
    reload::spawn_control_socket(reloader, status, &config.storage.data_dir, shutdown.clone())
        .context("creating the control socket in storage.data_dir")?;

    jobs::spawn_expiry(
        Arc::clone(&tracker),
        t.peer_ttl_secs,
        shutdown.clone(),
        &mut servers,
    );
    crate::seeders::spawn(
        Arc::clone(&tracker),
        store.clone(),
        config.storage.seeders_refresh_interval_secs,
        shutdown.clone(),
        &mut servers,
    );
    let flusher = jobs::spawn_flusher(
        Arc::clone(tracker.swarm()),
        policy,
        store.clone(),
        config.storage.stats_flush_interval_secs,
        shutdown.clone(),
    );
    // `flushes` is `Some` exactly when the tracker accounts.
    let accounting_flusher = tracker
        .accounting()
        .zip(flushes)
        .map(|(accounting, flushes)| {
            private::spawn_members_reload(
                store.clone(),
                Arc::clone(&accounting.members),
                config.accounting.clone(),
                shutdown.clone(),
            );
            let (drained, on_drained) = oneshot::channel();
            let flusher = private::spawn_flusher(
                Arc::clone(&accounting.ledger),
                Arc::clone(&accounting.members),
                store.clone(),
                flushes,
                config.accounting.flush_interval_secs,
                shutdown.clone(),
                on_drained,
            );
            (flusher, drained)
        });

    for addr in &udp_addrs {
        tracing::info!(%addr, "udp tracker listening");
    }
    for addr in &http_addrs {
        tracing::info!(%addr, "http tracker listening");
    }
    tracing::info!(addr = %portal_addr, "portal listening");
    if let Some(addr) = metrics_addr {
        tracing::info!(%addr, "metrics listening");
    }
    Ok(Running {
        udp_addrs,
        http_addrs,
        portal_addr,
        metrics_addr,
        metrics,
        tracker,
        shutdown,
        servers,
        udp_workers,
        flusher,
        accounting_flusher,
        store,
    })
}

/// The configured database: PostgreSQL at `storage.database_url`, or
/// SQLite in `storage.data_dir`.
pub fn database(config: &Config) -> anyhow::Result<Database> {
    let url = config.storage.database_url.as_ref();
    Database::from_config(&config.storage.data_dir, url.map(|u| u.expose()))
        .context("storage.database_url")
}

/// Opens the configured database and applies pending migrations, so a new
/// binary brings its schema along.
pub async fn open_store(config: &Config) -> anyhow::Result<Store> {
    let database = database(config)?;
    let store = Store::connect(&database)
        .await
        .with_context(|| format!("opening the {database}"))?;
    let report = store
        .migrate()
        .await
        .with_context(|| format!("migrating the {database}"))?;
    for (version, description) in &report.applied {
        tracing::info!(version, description, "applied database migration");
    }
    tracing::info!(%database, version = report.version, "database ready");
    Ok(store)
}

/// `swarmgate db migrate`: applies pending migrations without starting
/// anything else, and says what it did.
pub async fn migrate_database(config: &Config) -> anyhow::Result<String> {
    let database = database(config)?;
    let store = Store::connect(&database)
        .await
        .with_context(|| format!("opening the {database}"))?;
    let report = store.migrate().await;
    store.close().await;
    let MigrationReport { applied, version } =
        report.with_context(|| format!("migrating the {database}"))?;
    let mut out = format!("{database}: ");
    if applied.is_empty() {
        let _ = writeln!(out, "up to date at version {version}");
    } else {
        let _ = writeln!(out, "applied {} migration(s)", applied.len());
        for (version, description) in &applied {
            let _ = writeln!(out, "  {version} {description}");
        }
        let _ = writeln!(out, "now at version {version}");
    }
    Ok(out)
}

/// Binds `addr`, and for `0.0.0.0:P` also `[::]:P` where the system allows
/// (a missing IPv6 stack is reported and otherwise ignored).
fn bind_with_twin<S>(
    addr: SocketAddr,
    bind: impl Fn(SocketAddr) -> std::io::Result<S>,
    key: &str,
) -> anyhow::Result<Vec<S>>
where
    S: LocalAddr,
{
    let first = bind(addr).with_context(|| format!("{key}: cannot listen on {addr}"))?;
    let bound = first.local_addr()?;
    let mut sockets = vec![first];
    if let Some(twin) = tracker::net::ipv6_twin(addr, bound) {
        match bind(twin) {
            Ok(socket) => sockets.push(socket),
            Err(e) => tracing::warn!(%twin, error = %e, "{key}: no IPv6 listener"),
        }
    }
    Ok(sockets)
}

/// Sockets that can say where they are bound.
trait LocalAddr {
    fn local_addr(&self) -> std::io::Result<SocketAddr>;
}

impl LocalAddr for std::net::UdpSocket {
    fn local_addr(&self) -> std::io::Result<SocketAddr> {
        std::net::UdpSocket::local_addr(self)
    }
}

impl LocalAddr for std::net::TcpListener {
    fn local_addr(&self) -> std::io::Result<SocketAddr> {
        std::net::TcpListener::local_addr(self)
    }
}

async fn serve_http(
    listener: std::net::TcpListener,
    router: axum::Router,
    shutdown: Shutdown,
) -> anyhow::Result<()> {
    let listener = tokio::net::TcpListener::from_std(listener)?;
    axum::serve(
        listener,
        router.into_make_service_with_connect_info::<SocketAddr>(),
    )
    .with_graceful_shutdown(async move { shutdown.wait().await })
    .await?;
    Ok(())
}

impl Running {
    /// The first UDP tracker address (the configured one).
    pub fn udp_addr(&self) -> SocketAddr {
        self.udp_addrs[0]
    }

    pub fn udp_addrs(&self) -> &[SocketAddr] {
        &self.udp_addrs
    }

    /// The first HTTP tracker address (the configured one).
    pub fn http_addr(&self) -> SocketAddr {
        self.http_addrs[0]
    }

    pub fn http_addrs(&self) -> &[SocketAddr] {
        &self.http_addrs
    }

    pub fn portal_addr(&self) -> SocketAddr {
        self.portal_addr
    }

    /// Where `/metrics` is served; `None` when `metrics.enabled` is false.
    pub fn metrics_addr(&self) -> Option<SocketAddr> {
        self.metrics_addr
    }

    pub fn metrics(&self) -> &Arc<Metrics> {
        &self.metrics
    }

    pub fn tracker(&self) -> &Arc<Tracker> {
        &self.tracker
    }

    /// A handle that stops the servers when triggered (signal handlers).
    pub fn shutdown_handle(&self) -> Shutdown {
        self.shutdown.clone()
    }

    /// Runs until shutdown is triggered (or a server fails), then stops
    /// every server, waits for the UDP workers, and writes the last
    /// completed counts.
    pub async fn wait(mut self) -> anyhow::Result<()> {
        let mut result = Ok(());
        tokio::select! {
            () = self.shutdown.wait() => {}
            Some(joined) = self.servers.join_next() => {
                result = flatten(joined).context("a server stopped unexpectedly");
            }
        }
        self.shutdown.trigger();
        while let Some(joined) = self.servers.join_next().await {
            if let Err(e) = flatten(joined) {
                tracing::error!(error = %e, "server failed while stopping");
            }
        }
        let workers = std::mem::take(&mut self.udp_workers);
        tokio::task::spawn_blocking(move || {
            for worker in workers {
                let _ = worker.join();
            }
        })
        .await?;
        self.flusher.await?;
        // No server records an announce any more: the last write.
        if let Some((flusher, drained)) = self.accounting_flusher.take() {
            let _ = drained.send(());
            flusher.await?;
        }
        self.store.close().await;
        tracing::info!("stopped");
        result
    }

    /// Triggers shutdown and waits for it to complete.
    pub async fn stop(self) -> anyhow::Result<()> {
        self.shutdown.trigger();
        self.wait().await
    }
}

fn flatten(joined: Result<anyhow::Result<()>, tokio::task::JoinError>) -> anyhow::Result<()> {
    joined.map_err(anyhow::Error::from).and_then(|r| r)
}
