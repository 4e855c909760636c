//! The packaging in `deploy/` agrees with the binary: the container
//! exposes the default ports and keeps its data in its volume as a
//! non-root user; the systemd unit is valid for `systemd-analyze verify`
//! and its install steps give the configuration file the state directory
//! as its data directory.

use std::path::{Path, PathBuf};
use std::process::Command;
use swarmgate::Config;

fn deploy_file(name: &str) -> (PathBuf, String) {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../deploy")
        .join(name);
    let text = std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("reading {}: {e}", path.display()));
    (path, text)
}

/// The values of every instruction line starting with `key` (Dockerfile
/// `EXPOSE`, unit `Environment=`...), comments skipped.
fn values<'a>(text: &'a str, key: &str) -> Vec<&'a str> {
    text.lines()
        .filter(|line| !line.trim_start().starts_with('#'))
        .filter_map(|line| line.strip_prefix(key))
        .map(str::trim)
        .collect()
}

#[test]
fn the_container_runs_as_a_user_with_the_default_ports_and_a_data_volume() {
    let (_, dockerfile) = deploy_file("Dockerfile");
    let defaults = Config::default();
    let mut exposed: Vec<&str> = values(&dockerfile, "EXPOSE ")
        .iter()
        .flat_map(|v| v.split_whitespace())
        .collect();
    exposed.sort_unstable();
    let mut wanted = vec![
        format!("{}/udp", defaults.tracker.udp_bind.port()),
        format!("{}/tcp", defaults.tracker.http_bind.port()),
        format!("{}/tcp", defaults.portal.bind.port()),
    ];
    wanted.sort_unstable();
    assert_eq!(exposed, wanted);

    let users = values(&dockerfile, "USER ");
    assert_eq!(users.len(), 1, "one USER line");
    assert!(!users[0].starts_with("root") && !users[0].starts_with('0'));

    let data_dir = values(&dockerfile, "ENV SWARMGATE_STORAGE__DATA_DIR=");
    assert_eq!(data_dir.len(), 1);
    let volume = values(&dockerfile, "VOLUME ");
    assert_eq!(volume, [format!("[\"{}\"]", data_dir[0])]);
    assert_eq!(
        values(&dockerfile, "ENTRYPOINT "),
        ["[\"swarmgate\"]"],
        "docker exec and the health check call the binary by name"
    );
}

#[test]
fn the_systemd_unit_keeps_data_in_its_state_directory_and_verifies() {
    let (path, unit) = deploy_file("swarmgate.service");
    let state = values(&unit, "StateDirectory=");
    assert_eq!(state, ["swarmgate"]);
    assert!(
        values(&unit, "Environment=").is_empty(),
        "settings live in the file, so the operator's commands read the same ones"
    );
    assert_eq!(values(&unit, "ExecReload="), ["/bin/kill -HUP $MAINPID"]);
    assert_eq!(values(&unit, "KillSignal="), ["SIGTERM"]);

    if Command::new("systemd-analyze")
        .arg("--version")
        .output()
        .is_err()
    {
        // scripts/test-all.sh installs systemd; outside it, say so.
        panic!("systemd-analyze is missing: run scripts/test-all.sh, which installs it");
    }
    // Verify a copy that runs the binary this test was built with.
    let dir = tempfile::tempdir().unwrap();
    let copy = dir.path().join("swarmgate.service");
    let text = unit.replace("/usr/local/bin/swarmgate", env!("CARGO_BIN_EXE_swarmgate"));
    assert_ne!(
        text,
        unit,
        "{} runs /usr/local/bin/swarmgate",
        path.display()
    );
    std::fs::write(&copy, text).unwrap();
    let out = Command::new("systemd-analyze")
        .arg("verify")
        .arg(&copy)
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "systemd-analyze verify: {stderr}");
    // Warnings about the unit itself (unknown keys, bad values) come on
    // stderr with a zero exit status too.
    let about_unit: Vec<&str> = stderr
        .lines()
        .filter(|line| line.contains("swarmgate.service"))
        .collect();
    assert!(about_unit.is_empty(), "{about_unit:?}");
}

#[test]
fn the_units_install_steps_point_the_config_at_the_state_directory() {
    let (_, unit) = deploy_file("swarmgate.service");
    let sed = "sed 's|^data_dir = .*|data_dir = \"/var/lib/swarmgate\"|'";
    assert!(unit.contains(sed), "the install steps use {sed}");
    let example = swarmgate::example::example_toml();
    let edited: String = example
        .lines()
        .map(|line| {
            if line.starts_with("data_dir = ") {
                "data_dir = \"/var/lib/swarmgate\"".to_owned()
            } else {
                line.to_owned()
            }
        })
        .collect::<Vec<_>>()
        .join("\n");
    assert_ne!(
        edited,
        example.trim_end(),
        "the example has a data_dir line"
    );
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("swarmgate.toml");
    std::fs::write(&path, edited).unwrap();
    let config = Config::load(Some(&path)).unwrap();
    assert_eq!(
        config.storage.data_dir,
        std::path::Path::new("/var/lib/swarmgate")
    );
}
