//! Decisions of loaded policies: rule order, shadow rules, scopes, lists,
//! `unknown`, messages, and simulating a candidate against counters.

mod support;

use std::net::IpAddr;

use policy::{CounterRow, CountryCode, Decision, Policy, Scope, SimulatedCountry};
use support::write_policy;

const GEO: &str = "\
1.0.0.0,1.0.0.255,AU
5.8.0.0,5.8.31.255,RU
81.2.69.0,81.2.69.255,GB
198.51.100.0,198.51.100.255,NL
2a02:6b8::,2a02:6b8:ffff:ffff:ffff:ffff:ffff:ffff,RU
";

/// A policy over `geo.csv` (above) and `vpn.txt` (198.51.100.0/25 and
/// 2001:db8::/32), with `rules` appended.
fn policy(rules: &str) -> Policy {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("geo.csv"), GEO).unwrap();
    std::fs::write(
        dir.path().join("vpn.txt"),
        "198.51.100.0/25\n2001:db8::/32\n",
    )
    .unwrap();
    let head = "geo_databases = [\"geo.csv\"]\n[lists]\nvpn = \"vpn.txt\"\n";
    let path = write_policy(dir.path(), &format!("{head}{rules}"));
    Policy::load(&path).unwrap()
}

fn decide(p: &Policy, ip: &str, scope: Scope<'_>) -> Decision {
    p.decide(ip.parse::<IpAddr>().unwrap(), scope)
}

fn code(c: &str) -> CountryCode {
    CountryCode::parse(c).unwrap()
}

#[test]
fn the_first_matching_rule_wins() {
    let p = policy(
        r#"
[[rule]]
name = "allow-gb"
countries = ["GB"]
action = "allow"
[[rule]]
name = "deny-gb-ru"
countries = ["GB", "RU"]
action = "deny"
"#,
    );
    let gb = decide(&p, "81.2.69.1", Scope::Tracker);
    assert_eq!(
        (gb.denied, gb.rule, gb.country),
        (false, Some(0), code("GB"))
    );
    let ru = decide(&p, "2a02:6b8::1", Scope::Tracker);
    assert_eq!(
        (ru.denied, ru.rule, ru.country),
        (true, Some(1), code("RU"))
    );
    let au = decide(&p, "1.0.0.1", Scope::Tracker);
    assert_eq!((au.denied, au.rule), (false, None));
}

#[test]
fn the_default_decides_when_no_rule_matches() {
    let dir = tempfile::tempdir().unwrap();
    let path = write_policy(dir.path(), "default = \"deny\"\n");
    let p = Policy::load(&path).unwrap();
    let d = decide(&p, "1.0.0.1", Scope::Portal);
    assert_eq!((d.denied, d.rule, d.shadow_rule), (true, None, None));
}

#[test]
fn a_shadow_rule_changes_nothing_enforced_but_is_reported() {
    let p = policy(
        r#"
[[rule]]
name = "preview-ru"
countries = ["RU"]
action = "shadow"
[[rule]]
name = "deny-tracker"
countries = ["RU"]
scope = ["tracker"]
action = "deny"
"#,
    );
    let portal = decide(&p, "5.8.0.1", Scope::Portal);
    assert_eq!(
        (portal.denied, portal.rule, portal.shadow_rule),
        (false, None, Some(0))
    );
    let tracker = decide(&p, "5.8.0.1", Scope::Tracker);
    assert_eq!(
        (tracker.denied, tracker.rule, tracker.shadow_rule),
        (true, Some(1), Some(0))
    );
    let gb = decide(&p, "81.2.69.1", Scope::Portal);
    assert_eq!(gb.shadow_rule, None);
}

#[test]
fn scopes_limit_rules_and_categories_match_by_slug() {
    let p = policy(
        r#"
[[rule]]
name = "no-music-for-ru"
countries = ["RU"]
scope = ["category:music", "download"]
action = "deny"
"#,
    );
    assert!(decide(&p, "5.8.0.1", Scope::Category("music")).denied);
    assert!(decide(&p, "5.8.0.1", Scope::Download).denied);
    assert!(!decide(&p, "5.8.0.1", Scope::Category("films")).denied);
    assert!(!decide(&p, "5.8.0.1", Scope::Tracker).denied);
    assert!(!decide(&p, "81.2.69.1", Scope::Category("music")).denied);
}

#[test]
fn a_rule_with_countries_and_lists_matches_either() {
    let p = policy(
        r#"
[[rule]]
name = "ru-or-vpn"
countries = ["RU"]
lists = ["vpn"]
action = "deny"
"#,
    );
    // In the list (the country database says NL).
    let vpn = decide(&p, "198.51.100.5", Scope::Tracker);
    assert_eq!((vpn.denied, vpn.country), (true, code("NL")));
    assert!(decide(&p, "::ffff:198.51.100.5", Scope::Tracker).denied);
    assert!(decide(&p, "2001:db8::7", Scope::Tracker).denied);
    // NL, outside the list.
    assert!(!decide(&p, "198.51.100.200", Scope::Tracker).denied);
    // RU, outside the list.
    assert!(decide(&p, "5.8.0.1", Scope::Tracker).denied);
}

#[test]
fn a_rule_without_countries_or_lists_matches_every_address_in_its_scope() {
    let p = policy("[[rule]]\nname = \"maintenance\"\nscope = [\"portal\"]\naction = \"deny\"\n");
    assert!(decide(&p, "127.0.0.1", Scope::Portal).denied);
    assert!(!decide(&p, "127.0.0.1", Scope::Tracker).denied);
}

#[test]
fn unknown_matches_addresses_no_database_knows() {
    let p = policy("[[rule]]\nname = \"who\"\ncountries = [\"unknown\"]\naction = \"deny\"\n");
    for a in ["10.0.0.1", "127.0.0.1", "::1", "2600::1"] {
        let d = decide(&p, a, Scope::Tracker);
        assert_eq!((d.denied, d.country), (true, CountryCode::UNKNOWN), "{a}");
    }
    assert!(!decide(&p, "1.0.0.1", Scope::Tracker).denied);
}

#[test]
fn messages_fall_back_to_english_then_to_a_generic_sentence() {
    let p = policy(
        r#"
[[rule]]
name = "ru"
countries = ["RU"]
action = "deny"
message.en = "Not available in your country."
message.ru = "Недоступно в вашей стране."
blocked_by = "https://example.org/why"
[[rule]]
name = "au"
countries = ["AU"]
action = "deny"
"#,
    );
    let ru = decide(&p, "5.8.0.1", Scope::Portal);
    assert_eq!(
        p.message(&ru, &["ru-RU", "en"]),
        "Недоступно в вашей стране."
    );
    assert_eq!(
        p.message(&ru, &["de", "fr"]),
        "Not available in your country."
    );
    assert_eq!(p.message(&ru, &[]), "Not available in your country.");
    assert_eq!(p.blocked_by(&ru), Some("https://example.org/why"));
    let au = decide(&p, "1.0.0.1", Scope::Portal);
    let generic = p.message(&au, &["en"]);
    assert!(generic.contains("not available"), "{generic}");
    assert_eq!(p.blocked_by(&au), None);
    let default = decide(&p, "81.2.69.1", Scope::Portal);
    assert_eq!(p.message(&default, &["ru"]), generic);
}

#[test]
fn allow_all_allows_everything_and_knows_no_country() {
    let p = Policy::allow_all();
    let d = decide(&p, "5.8.0.1", Scope::Tracker);
    assert_eq!(
        (d.denied, d.rule, d.country),
        (false, None, CountryCode::UNKNOWN)
    );
    assert!(p.source_files().is_empty());
    assert_eq!(
        p.country_of("5.8.0.1".parse().unwrap()),
        (CountryCode::UNKNOWN, None)
    );
}

fn row(scope: &str, country: &str, count: u64) -> CounterRow {
    CounterRow {
        scope: scope.into(),
        country: CountryCode::parse(country).unwrap(),
        rule: "default".into(),
        decision: "allow".into(),
        count,
    }
}

#[test]
fn simulating_replays_counters_by_country_and_scope() {
    let p = policy(
        r#"
[[rule]]
name = "vpn-only"
lists = ["vpn"]
action = "deny"
[[rule]]
name = "ru-tracker"
countries = ["RU"]
scope = ["tracker"]
action = "shadow"
[[rule]]
name = "allow-gb"
countries = ["GB"]
action = "allow"
[[rule]]
name = "everyone-else-downloads"
countries = ["GB", "AU"]
scope = ["download"]
action = "deny"
"#,
    );
    let rows = [
        row("tracker", "RU", 100),
        row("portal", "RU", 30),
        row("download", "GB", 5),
        row("download", "AU", 7),
        row("portal", "AU", 50),
        row("category:music", "RU", 1),
        row("something-new", "AU", 2),
    ];
    let (countries, unreplayable) = p.simulate(&rows);
    assert_eq!(
        countries,
        [
            SimulatedCountry {
                country: code("RU"),
                requests: 131,
                would_deny: 100
            },
            SimulatedCountry {
                country: code("AU"),
                requests: 59,
                would_deny: 7
            },
            SimulatedCountry {
                country: code("GB"),
                requests: 5,
                would_deny: 0
            },
        ]
    );
    assert_eq!(unreplayable, ["vpn-only"]);
}
