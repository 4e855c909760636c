//! Debian's headless Chromium for the browser tests, driven by the
//! playwright-core scripts in `tests/browser/` (or directly).

use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

pub const CHROMIUM: &str = "/usr/bin/chromium";

/// `tests/browser`: the flows and their `node_modules`.
pub fn browser_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/browser")
}

/// Fails with what to install when Chromium is missing.
pub fn require_chromium() {
    let version = Command::new(CHROMIUM).arg("--version").output();
    assert!(
        version.is_ok_and(|v| v.status.success()),
        "{CHROMIUM} is missing: run scripts/test-all.sh, which installs Debian's chromium package"
    );
}

/// Chromium, Node.js and playwright-core, or a failure saying what to
/// install.
pub fn require_browser() {
    require_chromium();
    let node = Command::new("node").arg("--version").output();
    assert!(
        node.is_ok_and(|v| v.status.success()),
        "node is missing: run scripts/test-all.sh, which installs Debian's nodejs package"
    );
    assert!(
        browser_dir()
            .join("node_modules/playwright-core/package.json")
            .exists(),
        "playwright-core is missing: run scripts/test-all.sh, or `npm ci` in {}",
        browser_dir().display()
    );
}

/// Runs `tests/browser/<script>` with `args` (plus `--chromium`) under a
/// 60 s limit and returns its JSON report. A failed flow panics with the
/// step, the error, the page and its screenshot, and `context()` (e.g.
/// the server's last log lines).
pub fn run_flow(script: &str, args: &[String], context: impl FnOnce() -> String) -> Value {
    let output = Command::new("timeout")
        .args(["--kill-after=5", "60", "node"])
        .arg(browser_dir().join(script))
        .args(args)
        .arg(format!("--chromium={CHROMIUM}"))
        .current_dir(browser_dir())
        .stdin(Stdio::null())
        .output()
        .expect("running node");
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    let report: Value = stdout
        .lines()
        .rev()
        .find_map(|l| serde_json::from_str(l).ok())
        .unwrap_or_else(|| {
            panic!(
                "{script} printed no report ({}):\n{stdout}\n{stderr}",
                output.status
            )
        });
    if report["ok"] != true {
        panic!(
            "{script} failed at \"{}\": {}\n  at {} (screenshot: {})\n  steps so far: {}\n\
             stderr:\n{stderr}\n{}",
            report["step"].as_str().unwrap_or("?"),
            report["error"].as_str().unwrap_or("?"),
            report["url"],
            report["screenshot"],
            report["steps"],
            context(),
        );
    }
    report
}
