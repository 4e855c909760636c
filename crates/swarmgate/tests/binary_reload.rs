//! The `swarmgate` binary as an operator drives it: SIGHUP and
//! `swarmgate policy reload` change the running policy; a broken policy is
//! refused with the file and line, a non-zero exit code, and the old
//! policy stays in force.

mod support;

use std::net::IpAddr;
use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};
use support::clients::Server;
use support::{announce_query, bbytes, hash, http_get, peer};

const RU: IpAddr = IpAddr::V4(std::net::Ipv4Addr::new(127, 0, 0, 3));
const MESSAGE: &str = "Not available in your country.";

fn policy(deny_ru: bool) -> String {
    let rule = if deny_ru {
        format!(
            "[[rule]]\nname = \"self-block\"\ncountries = [\"RU\"]\naction = \"deny\"\nmessage.en = \"{MESSAGE}\"\n"
        )
    } else {
        String::new()
    };
    format!("geo_databases = [\"geo.csv\"]\ndefault = \"allow\"\n{rule}")
}

fn replace_file(path: &Path, text: &str) {
    let tmp = path.with_extension("tmp");
    std::fs::write(&tmp, text).unwrap();
    std::fs::rename(&tmp, path).unwrap();
}

fn refused(server: &Server) -> bool {
    let q = announce_query(hash(1), peer(1), 6881, 0, "started");
    let (_, body) = http_get(RU, server.http, &format!("/announce?{q}"));
    bbytes(&body, "failure reason").is_some_and(|r| r == MESSAGE.as_bytes())
}

fn swarmgate(args: &[&str], data_dir: &Path) -> (bool, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_swarmgate"))
        .args(args)
        .env("SWARMGATE_STORAGE__DATA_DIR", data_dir)
        .output()
        .unwrap();
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    (out.status.success(), text)
}

#[test]
fn sighup_and_the_reload_command_switch_the_policy_and_refuse_a_broken_one() {
    let data = tempfile::tempdir().unwrap();
    let logs = tempfile::tempdir().unwrap();
    std::fs::write(data.path().join("geo.csv"), "127.0.0.3,127.0.0.3,RU\n").unwrap();
    let file = data.path().join("policy.toml");
    replace_file(&file, &policy(false));
    let file_env = file.to_str().unwrap().to_owned();
    let server = Server::start_with(
        data.path(),
        logs.path().join("swarmgate.log"),
        // Only explicit reloads: the file watcher would race the signal.
        &[
            ("SWARMGATE_POLICY__FILE", &file_env),
            ("SWARMGATE_POLICY__WATCH", "false"),
        ],
    );
    assert!(!refused(&server));

    // Changing the file alone does nothing while watching is off...
    replace_file(&file, &policy(true));
    std::thread::sleep(Duration::from_millis(300));
    assert!(!refused(&server), "no reload without a trigger");
    // ...SIGHUP applies it.
    let pid = server.child.id().to_string();
    let sent = Instant::now();
    assert!(
        Command::new("kill")
            .args(["-HUP", &pid])
            .status()
            .unwrap()
            .success()
    );
    while !refused(&server) {
        assert!(
            sent.elapsed() < Duration::from_secs(1),
            "SIGHUP did not reload the policy"
        );
        std::thread::sleep(Duration::from_millis(10));
    }

    // A broken file: the command says where and exits non-zero; the
    // running policy is unchanged.
    replace_file(&file, &policy(true).replace("countries", "countrys"));
    let (ok, text) = swarmgate(&["policy", "reload"], data.path());
    assert!(!ok, "a failed reload exits non-zero: {text}");
    assert!(
        text.contains("policy.toml") && text.contains("countrys"),
        "{text}"
    );
    assert!(refused(&server), "the previous policy stays in force");

    replace_file(&file, &policy(false));
    let (ok, text) = swarmgate(&["policy", "reload"], data.path());
    assert!(ok, "{text}");
    assert!(text.contains("policy reloaded"), "{text}");
    assert!(!refused(&server));

    let log = server.stop();
    assert!(
        log.contains("policy reload failed"),
        "the failure is in the log too"
    );
    assert!(!log.contains("127.0.0.3"), "no client address in the log");
}

#[test]
fn the_reload_command_without_a_running_server_says_so() {
    let data = tempfile::tempdir().unwrap();
    let (ok, text) = swarmgate(&["policy", "reload"], data.path());
    assert!(!ok);
    assert!(text.contains("cannot reach a running swarmgate"), "{text}");
}
