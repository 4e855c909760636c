//! Real BitTorrent clients and the `swarmgate` binary as subprocesses, for
//! the end-to-end suites (drivers in `tests/clients/`, see its README).

use serde_json::Value;
use std::io::{BufRead, BufReader};
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::mpsc::{Receiver, RecvTimeoutError, channel};
use std::time::{Duration, Instant};

pub const PYTHON: &str = "/usr/bin/python3";

pub fn clients_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/clients")
}

pub fn require_clients() {
    let libtorrent = Command::new(PYTHON)
        .args(["-c", "import libtorrent"])
        .status();
    assert!(
        libtorrent.is_ok_and(|s| s.success()),
        "python3-libtorrent is missing: run scripts/test-all.sh, which installs it"
    );
    assert!(
        Command::new("aria2c").arg("--version").output().is_ok(),
        "aria2c is missing: run scripts/test-all.sh, which installs it"
    );
}

/// The swarmgate binary, started as an operator would.
pub struct Server {
    pub child: Child,
    pub udp: SocketAddr,
    pub http: SocketAddr,
    pub log: PathBuf,
}

impl Server {
    pub fn start(data_dir: &Path, log: PathBuf) -> Self {
        Self::start_with(data_dir, log, &[])
    }

    /// Starts with extra `SWARMGATE_*` variables (a policy file, say).
    // The child is waited on by `Drop for Server` (or below on failure).
    #[allow(clippy::zombie_processes)]
    pub fn start_with(data_dir: &Path, log: PathBuf, env: &[(&str, &str)]) -> Self {
        let log_file = std::fs::File::create(&log).unwrap();
        let child = Command::new(env!("CARGO_BIN_EXE_swarmgate"))
            .args(["serve", "--log-format", "json"])
            .env("SWARMGATE_TRACKER__UDP_BIND", "127.0.0.1:0")
            .env("SWARMGATE_TRACKER__HTTP_BIND", "127.0.0.1:0")
            .env("SWARMGATE_PORTAL__BIND", "127.0.0.1:0")
            .env("SWARMGATE_METRICS__BIND", "127.0.0.1:0")
            .env("SWARMGATE_STORAGE__DATA_DIR", data_dir)
            .env("SWARMGATE_STORAGE__STATS_FLUSH_INTERVAL_SECS", "1")
            // Debug level: the privacy check must hold for the chattiest
            // logs an operator would run with.
            .env("SWARMGATE_LOG__LEVEL", "debug")
            .envs(env.iter().copied())
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(log_file)
            .spawn()
            .unwrap();
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            let text = std::fs::read_to_string(&log).unwrap_or_default();
            let addr_of = |message: &str| {
                text.lines()
                    .filter_map(|l| serde_json::from_str::<Value>(l).ok())
                    .find(|v| v["message"] == message)
                    .and_then(|v| v["addr"].as_str().and_then(|a| a.parse().ok()))
            };
            if let (Some(udp), Some(http)) = (
                addr_of("udp tracker listening"),
                addr_of("http tracker listening"),
            ) {
                return Self {
                    child,
                    udp,
                    http,
                    log,
                };
            }
            if Instant::now() >= deadline {
                let mut child = child;
                let _ = child.kill();
                let _ = child.wait();
                panic!("swarmgate did not start:\n{text}");
            }
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    /// SIGINT, as Ctrl-C would: the server must stop cleanly.
    pub fn stop(mut self) -> String {
        let pid = self.child.id().to_string();
        assert!(
            Command::new("kill")
                .args(["-INT", &pid])
                .status()
                .unwrap()
                .success()
        );
        let status = wait_with_timeout(&mut self.child, Duration::from_secs(20));
        let log = std::fs::read_to_string(&self.log).unwrap();
        assert!(status.success(), "swarmgate exited with {status}:\n{log}");
        assert!(
            log.contains("\"stopped\""),
            "no orderly shutdown in the log:\n{log}"
        );
        log
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

pub fn wait_with_timeout(child: &mut Child, timeout: Duration) -> std::process::ExitStatus {
    let deadline = Instant::now() + timeout;
    loop {
        if let Some(status) = child.try_wait().unwrap() {
            return status;
        }
        assert!(
            Instant::now() < deadline,
            "process {} did not exit in time",
            child.id()
        );
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// A peer driver process and its JSON event lines.
pub struct Peer {
    pub name: &'static str,
    pub child: Child,
    pub stdin: Option<ChildStdin>,
    pub events: Receiver<Value>,
    pub seen: Vec<Value>,
}

impl Peer {
    pub fn spawn(name: &'static str, script: &str, args: &[&str]) -> Self {
        let mut child = Command::new(PYTHON)
            .arg(clients_dir().join(script))
            .args(args)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .unwrap();
        let stdout = child.stdout.take().unwrap();
        let (tx, events) = channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines() {
                let Ok(line) = line else { break };
                if let Ok(value) = serde_json::from_str::<Value>(&line)
                    && tx.send(value).is_err()
                {
                    break;
                }
            }
        });
        let stdin = child.stdin.take();
        Self {
            name,
            child,
            stdin,
            events,
            seen: Vec::new(),
        }
    }

    /// Waits for the first event matching `wanted`.
    pub fn wait_for(
        &mut self,
        what: &str,
        timeout: Duration,
        wanted: impl Fn(&Value) -> bool,
    ) -> Value {
        let deadline = Instant::now() + timeout;
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            match self.events.recv_timeout(left) {
                Ok(event) => {
                    self.seen.push(event.clone());
                    if wanted(&event) {
                        return event;
                    }
                    assert!(
                        !matches!(event["event"].as_str(), Some("timeout" | "error")),
                        "{}: {event} while waiting for {what}; earlier: {:?}",
                        self.name,
                        self.seen
                    );
                }
                Err(RecvTimeoutError::Timeout) => {
                    panic!(
                        "{}: no {what} in {timeout:?}; saw {:?}",
                        self.name, self.seen
                    )
                }
                // Its output closed: the driver exited (or crashed, which
                // a Python traceback would not show: say how it ended).
                Err(RecvTimeoutError::Disconnected) => {
                    let status = self.child.wait();
                    panic!(
                        "{}: ended ({status:?}) before {what}; saw {:?}",
                        self.name, self.seen
                    )
                }
            }
        }
    }

    pub fn event(&mut self, name: &str, timeout: Duration) -> Value {
        self.wait_for(name, timeout, |e| e["event"] == name)
    }

    /// Closes stdin (the drivers' stop signal) and waits for a clean exit.
    pub fn stop(mut self) {
        drop(self.stdin.take());
        let status = wait_with_timeout(&mut self.child, Duration::from_secs(30));
        assert!(status.success(), "{} exited with {status}", self.name);
    }

    /// Closes stdin and waits, whatever the exit status: for a peer the
    /// tracker has since refused, whose `stopped` announce is refused too.
    pub fn stop_quietly(mut self) {
        drop(self.stdin.take());
        let _ = wait_with_timeout(&mut self.child, Duration::from_secs(30));
    }

    pub fn wait_exit(mut self) {
        let status = wait_with_timeout(&mut self.child, Duration::from_secs(60));
        assert!(
            status.success(),
            "{} exited with {status}; saw {:?}",
            self.name,
            self.seen
        );
    }

    /// Raw peer ids of the remote peers this client shook hands with.
    pub fn remote_peer_ids(&self) -> Vec<Vec<u8>> {
        self.seen
            .iter()
            .filter(|e| e["event"] == "peer")
            .filter_map(|e| e["peer_id"].as_str().and_then(hex_decode))
            .collect()
    }
}

impl Drop for Peer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

pub fn hex_decode(s: &str) -> Option<Vec<u8>> {
    (0..s.len())
        .step_by(2)
        .map(|i| s.get(i..i + 2).and_then(|b| u8::from_str_radix(b, 16).ok()))
        .collect()
}

#[derive(Clone, Copy, Debug)]
pub enum Client {
    Libtorrent,
    Aria2,
}

impl Client {
    pub fn script(self) -> &'static str {
        match self {
            Client::Libtorrent => "lt_peer.py",
            Client::Aria2 => "aria2_peer.py",
        }
    }
}

#[derive(Clone, Copy, Debug)]
pub enum Protocol {
    Http,
    Udp,
}

/// Writes a random payload of `size_mib` MiB and its v1 torrent announcing
/// to `tracker` into `dir` (libtorrent via `make_payload.py`); returns the
/// script's JSON line: `torrent`, `payload`, `sha256`, `info_hash` (hex).
pub fn make_payload(dir: &Path, size_mib: u32, tracker: &str) -> Value {
    let made = Command::new(PYTHON)
        .arg(clients_dir().join("make_payload.py"))
        .arg(dir)
        .args([
            "--size-mib",
            &size_mib.to_string(),
            "--name",
            "payload.bin",
            "--tracker",
            tracker,
        ])
        .output()
        .unwrap();
    assert!(
        made.status.success(),
        "{}",
        String::from_utf8_lossy(&made.stderr)
    );
    serde_json::from_slice(&made.stdout).unwrap()
}
