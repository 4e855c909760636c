//! Changing the access policy live.
//!
//! Three triggers, one path: SIGHUP, a change on disk to the policy file or
//! a file it names (polled every `policy.watch_interval_ms`), and the
//! control socket that `swarmgate policy reload` talks to. Loading happens
//! off the async threads; only a policy that loaded completely is swapped
//! in (atomically, see `policy::PolicyHandle`), after which peers it denies
//! are removed from every swarm. A failed load leaves the running policy in
//! force and says why: in the log, and to the command that asked.

use crate::config::AccountingConfig;
use crate::jobs::Ticker;
use crate::status::StatusSource;
use policy::Policy;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime};
use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::net::UnixListener;
use tracker::{Shutdown, Tracker};

/// Name of the control socket inside the data directory.
pub const CONTROL_SOCKET: &str = "control.sock";

/// What a successful reload did.
#[derive(Clone, Debug)]
pub struct Reloaded {
    pub rules: usize,
    pub peers_removed: usize,
    pub took: Duration,
}

#[derive(Debug)]
pub struct Reloader {
    tracker: Arc<Tracker>,
    file: Option<PathBuf>,
    /// One reload at a time, so two triggers can't interleave swaps.
    busy: tokio::sync::Mutex<()>,
    /// Mode `private`: where `members reload` reads the members from.
    members: Option<(store::Store, AccountingConfig)>,
}

/// Loads the configured policy, or the allow-all policy when none is set.
pub fn load_policy(file: Option<&Path>) -> Result<Policy, policy::PolicyError> {
    match file {
        Some(path) => Policy::load(path),
        None => Ok(Policy::allow_all()),
    }
}

impl Reloader {
    /// `members`: the store and rules `members reload` uses (mode
    /// `private` only).
    pub fn new(
        tracker: Arc<Tracker>,
        file: Option<PathBuf>,
        members: Option<(store::Store, AccountingConfig)>,
    ) -> Arc<Self> {
        Arc::new(Self {
            tracker,
            file,
            busy: tokio::sync::Mutex::new(()),
            members,
        })
    }

    /// Reloads the tracker's members from the database (mode `private`).
    pub async fn reload_members(&self) -> Result<usize, String> {
        let (Some(accounting), Some((store, config))) = (self.tracker.accounting(), &self.members)
        else {
            return Err("the tracker is not in mode private".into());
        };
        crate::private::load_members(store, &accounting.members, config)
            .await
            .map_err(|e| e.to_string())
    }

    /// Turns site-wide freeleech on or off (mode `private`): downloads
    /// count against ratios again, or stop counting, from the next
    /// announce on, until switched again or the server restarts
    /// (`accounting.site_freeleech` is the state it starts in).
    pub fn set_site_freeleech(&self, on: bool) -> Result<(), String> {
        let accounting = self
            .tracker
            .accounting()
            .ok_or("the tracker is not in mode private")?;
        accounting.ledger.set_site_freeleech(on);
        tracing::info!(on, "site-wide freeleech switched");
        Ok(())
    }

    /// Loads the policy file again and enforces it.
    pub async fn reload(&self, trigger: &str) -> Result<Reloaded, String> {
        let _one_at_a_time = self.busy.lock().await;
        let started = Instant::now();
        let file = self.file.clone();
        let loaded = tokio::task::spawn_blocking(move || load_policy(file.as_deref()))
            .await
            .map_err(|e| format!("policy loader failed: {e}"))?;
        match loaded {
            Ok(policy) => {
                let rules = policy.rules().len();
                let peers_removed = self.tracker.apply_policy(policy);
                let took = started.elapsed();
                tracing::info!(
                    trigger,
                    rules,
                    peers_removed,
                    took_ms = took.as_millis() as u64,
                    "policy reloaded"
                );
                Ok(Reloaded {
                    rules,
                    peers_removed,
                    took,
                })
            }
            Err(e) => {
                tracing::error!(trigger, error = %e, "policy reload failed; the previous policy stays in force");
                Err(e.to_string())
            }
        }
    }

    /// Files whose change triggers a reload.
    fn watched_files(&self) -> Vec<PathBuf> {
        let Some(file) = &self.file else {
            return Vec::new();
        };
        let mut files = vec![file.clone()];
        files.extend(
            self.tracker
                .policy()
                .current()
                .source_files()
                .iter()
                .cloned(),
        );
        files
    }
}

/// Reloads on SIGHUP until shutdown.
pub fn spawn_sighup(reloader: Arc<Reloader>, shutdown: Shutdown) -> std::io::Result<()> {
    use tokio::signal::unix::{SignalKind, signal};
    let mut hangup = signal(SignalKind::hangup())?;
    tokio::spawn(async move {
        loop {
            tokio::select! {
                () = shutdown.wait() => return,
                Some(()) = hangup.recv() => {
                    let _ = reloader.reload("SIGHUP").await;
                }
            }
        }
    });
    Ok(())
}

/// Size and modification time: what "changed on disk" means here. An
/// editor that replaces the file (new inode) changes the mtime too.
type Stamp = Option<(SystemTime, u64)>;

fn stamp(path: &Path) -> Stamp {
    let meta = std::fs::metadata(path).ok()?;
    Some((meta.modified().ok()?, meta.len()))
}

/// Polls the policy's files and reloads when one changes. Polling a
/// handful of `stat` calls costs nothing and works on every filesystem,
/// including network mounts and bind mounts where inotify stays silent.
pub fn spawn_watcher(reloader: Arc<Reloader>, interval: Duration, shutdown: Shutdown) {
    tokio::spawn(async move {
        let mut files = reloader.watched_files();
        let mut stamps: Vec<Stamp> = files.iter().map(|f| stamp(f)).collect();
        let mut ticker = Ticker::new(interval, shutdown);
        while ticker.tick().await {
            let now: Vec<Stamp> = files.iter().map(|f| stamp(f)).collect();
            if now == stamps {
                continue;
            }
            let _ = reloader.reload("file change").await;
            // The new policy may name other files.
            files = reloader.watched_files();
            stamps = files.iter().map(|f| stamp(f)).collect();
        }
    });
}

/// Serves the control socket: one command per connection, one line back
/// (`ok ...` or `error ...`): `policy reload`, `members reload`, and
/// `status` (see [`crate::status`]). The socket is created owner-only:
/// whoever can reach it can change the policy.
pub fn spawn_control_socket(
    reloader: Arc<Reloader>,
    status: Arc<StatusSource>,
    data_dir: &Path,
    shutdown: Shutdown,
) -> std::io::Result<PathBuf> {
    let path = data_dir.join(CONTROL_SOCKET);
    // A socket left by a killed process would make bind fail.
    let _ = std::fs::remove_file(&path);
    let listener = UnixListener::bind(&path)?;
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o600))?;
    }
    let cleanup = path.clone();
    tokio::spawn(async move {
        loop {
            let stream = tokio::select! {
                () = shutdown.wait() => break,
                accepted = listener.accept() => match accepted {
                    Ok((stream, _)) => stream,
                    Err(e) => {
                        tracing::warn!(error = %e, "control socket accept failed");
                        continue;
                    }
                },
            };
            let reloader = Arc::clone(&reloader);
            let status = Arc::clone(&status);
            tokio::spawn(async move {
                let (read, mut write) = stream.into_split();
                let mut line = String::new();
                let mut reader = BufReader::new(read).take(1024);
                let answer = match reader.read_line(&mut line).await {
                    Ok(_) => answer(&reloader, status, line.trim()).await,
                    Err(e) => format!("error reading the command: {e}"),
                };
                let _ = write.write_all(format!("{answer}\n").as_bytes()).await;
            });
        }
        let _ = std::fs::remove_file(cleanup);
    });
    Ok(path)
}

async fn answer(reloader: &Reloader, status: Arc<StatusSource>, command: &str) -> String {
    match command {
        crate::status::COMMAND => status.answer().await,
        "policy reload" => match reloader.reload("command").await {
            Ok(r) => format!(
                "ok policy reloaded: {} rules, {} peers removed, {} ms",
                r.rules,
                r.peers_removed,
                r.took.as_millis()
            ),
            Err(e) => format!("error {e}"),
        },
        "members reload" => match reloader.reload_members().await {
            Ok(members) => format!("ok members reloaded: {members}"),
            Err(e) => format!("error {e}"),
        },
        "freeleech on" | "freeleech off" => {
            let on = command == "freeleech on";
            match reloader.set_site_freeleech(on) {
                Ok(()) => format!(
                    "ok site-wide freeleech {}; until a restart (accounting.site_freeleech keeps it)",
                    if on { "on" } else { "off" }
                ),
                Err(e) => format!("error {e}"),
            }
        }
        other => format!("error unknown command {other:?}"),
    }
}

/// Client side of the control socket, for `swarmgate policy reload`.
pub async fn send_command(data_dir: &Path, command: &str) -> anyhow::Result<String> {
    use anyhow::Context as _;
    let path = data_dir.join(CONTROL_SOCKET);
    let stream = tokio::net::UnixStream::connect(&path)
        .await
        .with_context(|| {
            format!(
                "cannot reach a running swarmgate at {} (is it running with this data directory?)",
                path.display()
            )
        })?;
    let (read, mut write) = stream.into_split();
    write.write_all(format!("{command}\n").as_bytes()).await?;
    let mut line = String::new();
    BufReader::new(read).read_line(&mut line).await?;
    Ok(line.trim_end().to_owned())
}
