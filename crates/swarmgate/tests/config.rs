//! Configuration: defaults, TOML, environment variables, validation and
//! the generated example.

// figment::Jail fixes the closure type; its error is large, and these are tests.
#![allow(clippy::result_large_err)]

use figment::Jail;
use std::path::Path;
use swarmgate::config::{Config, LogFormat, TrackerMode};

#[test]
fn the_defaults_are_valid_and_round_trip_through_toml() {
    let config = Config::default();
    config.validate().unwrap();
    let text = toml::to_string(&config).unwrap();
    let back: Config = toml::from_str(&text).unwrap();
    assert_eq!(back, config);
}

#[test]
fn the_checked_in_example_matches_the_generated_one() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../swarmgate.example.toml");
    let checked_in = std::fs::read_to_string(&path).unwrap_or_default();
    let generated = swarmgate::example::example_toml();
    assert!(
        checked_in == generated,
        "swarmgate.example.toml is stale: run `cargo run -p swarmgate -- config example > swarmgate.example.toml`"
    );
    let parsed: Config = toml::from_str(&generated).unwrap();
    assert_eq!(
        parsed,
        Config::default(),
        "the example holds exactly the defaults"
    );
}

#[test]
fn environment_variables_override_the_file() {
    Jail::expect_with(|jail| {
        jail.create_file(
            "swarmgate.toml",
            "[tracker]\nudp_bind = \"127.0.0.1:7000\"\nmax_numwant = 80\n",
        )?;
        jail.set_env("SWARMGATE_TRACKER__HTTP_BIND", "127.0.0.1:7001");
        jail.set_env("SWARMGATE_TRACKER__MAX_NUMWANT", "120");
        jail.set_env("SWARMGATE_STORAGE__DATA_DIR", "/tmp/sg-data");
        jail.set_env("SWARMGATE_LOG__FORMAT", "json");
        let config = Config::load(Some(Path::new("swarmgate.toml"))).unwrap();
        assert_eq!(config.tracker.udp_bind.to_string(), "127.0.0.1:7000");
        assert_eq!(config.tracker.http_bind.to_string(), "127.0.0.1:7001");
        assert_eq!(config.tracker.max_numwant, 120);
        assert_eq!(config.storage.data_dir, Path::new("/tmp/sg-data"));
        assert_eq!(config.log.format, LogFormat::Json);
        Ok(())
    });
}

#[test]
fn the_tracker_mode_is_open_by_default_and_set_by_its_variable() {
    Jail::expect_with(|jail| {
        assert_eq!(Config::load(None).unwrap().tracker.mode, TrackerMode::Open);
        jail.set_env("SWARMGATE_TRACKER__MODE", "listed");
        assert_eq!(
            Config::load(None).unwrap().tracker.mode,
            TrackerMode::Listed
        );
        jail.set_env("SWARMGATE_TRACKER__MODE", "private");
        assert_eq!(
            Config::load(None).unwrap().tracker.mode,
            TrackerMode::Private
        );
        jail.set_env("SWARMGATE_TRACKER__MODE", "secret");
        let err = Config::load(None).unwrap_err().to_string();
        assert!(err.contains("tracker.mode"), "{err}");
        Ok(())
    });
}

#[test]
fn an_unknown_key_is_rejected_with_its_name() {
    Jail::expect_with(|jail| {
        jail.create_file("a.toml", "[tracker]\nudp_bnd = \"127.0.0.1:7000\"\n")?;
        let err = Config::load(Some(Path::new("a.toml")))
            .unwrap_err()
            .to_string();
        assert!(err.contains("udp_bnd"), "{err}");
        jail.set_env("SWARMGATE_TRAKER__UDP_BIND", "127.0.0.1:1");
        let err = Config::load(None).unwrap_err().to_string();
        assert!(err.contains("traker"), "{err}");
        Ok(())
    });
}

#[test]
fn a_bad_value_is_rejected_with_its_key() {
    Jail::expect_with(|jail| {
        jail.set_env("SWARMGATE_TRACKER__UDP_BIND", "not-an-address");
        let err = Config::load(None).unwrap_err().to_string();
        assert!(err.contains("tracker.udp_bind"), "{err}");
        Ok(())
    });
    Jail::expect_with(|jail| {
        jail.set_env("SWARMGATE_TRACKER__MAX_NUMWANT", "500");
        let err = Config::load(None).unwrap_err().to_string();
        assert!(err.contains("tracker.max_numwant"), "{err}");
        Ok(())
    });
}

#[test]
fn a_missing_config_file_is_an_error_not_the_defaults() {
    let err = Config::load(Some(Path::new("/nonexistent/swarmgate.toml"))).unwrap_err();
    assert!(err.to_string().contains("does not exist"), "{err}");
}

#[test]
fn trusted_proxies_come_as_a_list_in_toml_and_comma_separated_in_the_environment() {
    Jail::expect_with(|jail| {
        jail.create_file(
            "p.toml",
            "[network]\ntrusted_proxies = [\"10.0.0.0/8\", \"::1\"]\n",
        )?;
        let config = Config::load(Some(Path::new("p.toml"))).unwrap();
        let nets: Vec<String> = config
            .network
            .trusted_proxies
            .iter()
            .map(|n| n.to_string())
            .collect();
        assert_eq!(nets, ["10.0.0.0/8", "::1/128"]);

        jail.set_env(
            "SWARMGATE_NETWORK__TRUSTED_PROXIES",
            "192.168.0.0/16, 127.0.0.1",
        );
        let config = Config::load(None).unwrap();
        let nets: Vec<String> = config
            .network
            .trusted_proxies
            .iter()
            .map(|n| n.to_string())
            .collect();
        assert_eq!(nets, ["192.168.0.0/16", "127.0.0.1/32"]);

        jail.set_env("SWARMGATE_NETWORK__TRUSTED_PROXIES", "10.0.0.0/8,not-a-net");
        let err = Config::load(None).unwrap_err().to_string();
        assert!(
            err.contains("network.trusted_proxies") && err.contains("not-a-net"),
            "{err}"
        );
        Ok(())
    });
}

#[test]
fn the_metrics_listener_is_set_by_its_variables_and_keeps_a_port_of_its_own() {
    Jail::expect_with(|jail| {
        let config = Config::load(None).unwrap();
        assert!(config.metrics.enabled);
        assert_eq!(config.metrics.bind.to_string(), "127.0.0.1:8969");
        jail.set_env("SWARMGATE_METRICS__BIND", "127.0.0.1:9200");
        jail.set_env("SWARMGATE_METRICS__ENABLED", "false");
        let config = Config::load(None).unwrap();
        assert!(!config.metrics.enabled);
        assert_eq!(config.metrics.bind.to_string(), "127.0.0.1:9200");
        jail.set_env("SWARMGATE_METRICS__ENABLED", "true");
        jail.set_env("SWARMGATE_PORTAL__BIND", "0.0.0.0:9200");
        let err = Config::load(None).unwrap_err().to_string();
        assert!(
            err.contains("metrics.bind") && err.contains("portal.bind"),
            "{err}"
        );
        Ok(())
    });
}
