//! Policy files: what loads, and every class of mistake rejected with the
//! file and the line.

mod support;

use std::path::{Path, PathBuf};

use policy::{Action, Policy, PolicyError};
use support::write_policy;

const GEO: &str = "1.0.0.0,1.0.0.255,AU\n5.8.0.0,5.8.31.255,RU\n";

/// A directory with `geo.csv` and `vpn.txt`, and `policy.toml` = `text`.
fn setup(text: &str) -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("geo.csv"), GEO).unwrap();
    std::fs::write(dir.path().join("vpn.txt"), "198.51.100.0/24\n").unwrap();
    let path = write_policy(dir.path(), text);
    (dir, path)
}

fn load(text: &str) -> Result<Policy, PolicyError> {
    let (_dir, path) = setup(text);
    Policy::load(&path)
}

/// Loads `text`, expects an error in the policy file itself at `line`,
/// mentioning each of `needles`.
fn rejected(text: &str, line: usize, needles: &[&str]) {
    let (_dir, path) = setup(text);
    let e = Policy::load(&path).unwrap_err();
    assert_eq!(e.path, path, "{e}");
    assert!(
        e.message.starts_with(&format!("line {line}, column ")),
        "{e}"
    );
    for n in needles {
        assert!(e.message.contains(n), "`{n}` not in: {e}");
    }
}

#[test]
fn the_documented_example_loads_with_paths_relative_to_the_file() {
    let p = load(
        r#"geo_databases = ["geo.csv"]   # relative to the policy file
default = "allow"

[lists]
vpn_exits = "vpn.txt"

[[rule]]
name = "self-block"
countries = ["RU"]
lists = ["vpn_exits"]
scope = ["tracker", "portal", "download"]
action = "deny"
message.en = "This site is not available in your country."
message.ru = "Сайт недоступен в вашей стране."
blocked_by = "https://example.org/why-we-block"
"#,
    )
    .unwrap();
    assert_eq!(p.rules().len(), 1);
    let rule = &p.rules()[0];
    assert_eq!(
        (rule.name.as_str(), rule.action),
        ("self-block", Action::Deny)
    );
    assert_eq!(rule.countries().unwrap()[0].as_str(), "RU");
    assert_eq!(rule.lists().unwrap(), ["vpn_exits"]);
    assert_eq!(rule.scopes().unwrap(), ["portal", "tracker", "download"]);
    assert_eq!(rule.blocked_by(), Some("https://example.org/why-we-block"));
    assert_eq!(p.default_action(), Action::Allow);
    let names: Vec<_> = p
        .source_files()
        .iter()
        .map(|f| f.file_name().unwrap().to_str().unwrap().to_owned())
        .collect();
    assert_eq!(names, ["policy.toml", "vpn.txt", "geo.csv"]);
}

#[test]
fn an_empty_policy_file_allows_everything() {
    let p = load("").unwrap();
    assert!(p.rules().is_empty());
    assert!(
        !p.decide("5.8.0.1".parse().unwrap(), policy::Scope::Tracker)
            .denied
    );
}

#[test]
fn toml_syntax_errors_name_the_line() {
    rejected("default = \"allow\"\n[[rule]\n", 2, &[]);
}

#[test]
fn unknown_keys_are_rejected() {
    rejected("geo_databases = []\ndefualt = \"deny\"\n", 2, &["defualt"]);
    rejected(
        "geo_databases = [\"geo.csv\"]\n[[rule]]\nname = \"a\"\naction = \"deny\"\ncountry = [\"RU\"]\n",
        5,
        &["country"],
    );
}

#[test]
fn unknown_actions_and_defaults_are_rejected() {
    rejected(
        "[[rule]]\nname = \"a\"\naction = \"block\"\n",
        3,
        &["block"],
    );
    rejected("default = \"shadow\"\n", 1, &["shadow"]);
}

#[test]
fn unknown_country_codes_are_rejected_at_the_code() {
    rejected(
        "geo_databases = [\"geo.csv\"]\n[[rule]]\nname = \"a\"\naction = \"deny\"\ncountries = [\"RU\", \"UK\"]\n",
        5,
        &["`UK`", "ISO 3166-1"],
    );
}

#[test]
fn countries_without_a_geo_database_are_rejected() {
    rejected(
        "[[rule]]\nname = \"a\"\naction = \"deny\"\ncountries = [\"RU\"]\n",
        4,
        &["no geo_databases"],
    );
}

#[test]
fn unknown_list_names_are_rejected_naming_the_defined_ones() {
    rejected(
        "[lists]\nvpn = \"vpn.txt\"\n[[rule]]\nname = \"a\"\naction = \"deny\"\nlists = [\"tor\"]\n",
        6,
        &["`tor`", "defines vpn"],
    );
}

#[test]
fn unknown_and_empty_scopes_are_rejected() {
    rejected(
        "[[rule]]\nname = \"a\"\naction = \"deny\"\nscope = [\"tracker\", \"api\"]\n",
        4,
        &["`api`"],
    );
    rejected(
        "[[rule]]\nname = \"a\"\naction = \"deny\"\nscope = []\n",
        2,
        &["empty scope"],
    );
}

#[test]
fn rule_names_must_be_unique_non_empty_and_not_default() {
    rejected(
        "[[rule]]\nname = \"a\"\naction = \"deny\"\n\n[[rule]]\nname = \"a\"\naction = \"allow\"\n",
        6,
        &["already used (line 2"],
    );
    rejected(
        "[[rule]]\nname = \" \"\naction = \"deny\"\n",
        2,
        &["non-empty name"],
    );
    rejected(
        "[[rule]]\nname = \"default\"\naction = \"deny\"\n",
        2,
        &["reserved"],
    );
}

#[test]
fn bad_messages_and_links_are_rejected() {
    rejected(
        "[[rule]]\nname = \"a\"\naction = \"deny\"\nmessage.en_US = \"No.\"\n",
        4,
        &["language tag"],
    );
    rejected(
        "[[rule]]\nname = \"a\"\naction = \"deny\"\nmessage.en = \" \"\n",
        4,
        &["empty"],
    );
    rejected(
        "[[rule]]\nname = \"a\"\naction = \"deny\"\nblocked_by = \"https://x.org/\\r\\nSet-Cookie: a=b\"\n",
        4,
        &["blocked_by"],
    );
}

#[test]
fn missing_files_are_rejected_at_the_line_that_names_them() {
    rejected(
        "geo_databases = [\"geo.csv\", \"nope.mmdb\"]\n",
        1,
        &["cannot read geo database", "nope.mmdb"],
    );
    rejected(
        "\n[lists]\ntor = \"tor-exits.txt\"\n",
        3,
        &["cannot read CIDR list", "tor-exits.txt"],
    );
    rejected(
        "geo_databases = [\n  { blocks = \"b.csv\", locations = \"l.csv\" },\n]\n",
        2,
        &["cannot read geo database"],
    );
}

#[test]
fn malformed_cidrs_are_rejected_in_the_list_file_with_its_line() {
    let (dir, path) = setup("[lists]\nvpn = \"vpn.txt\"\n");
    let list = dir.path().join("vpn.txt");
    std::fs::write(
        &list,
        "198.51.100.0/24\n# next one is bad\n198.51.100.0/40\n",
    )
    .unwrap();
    let e = Policy::load(&path).unwrap_err();
    assert_eq!(e.path, list);
    assert!(
        e.message.starts_with("line 3, column 1: `198.51.100.0/40`"),
        "{e}"
    );
}

#[test]
fn a_broken_geo_database_is_reported_in_its_own_file() {
    let (dir, path) = setup("geo_databases = [\"geo.mmdb\"]\n");
    let db = dir.path().join("geo.mmdb");
    std::fs::write(&db, b"\x00\x01\x02 definitely not a database").unwrap();
    let e = Policy::load(&path).unwrap_err();
    assert_eq!(e.path, db);
    assert!(e.message.contains("truncated, or not a MaxMind DB"), "{e}");
}

#[test]
fn a_geo_database_of_unknown_type_is_rejected() {
    let (dir, path) = setup("geo_databases = [\"geo.dat\"]\n");
    std::fs::write(dir.path().join("geo.dat"), GEO).unwrap();
    let e = Policy::load(&path).unwrap_err();
    assert!(e.message.contains(".mmdb or .csv"), "{e}");
}

#[test]
fn a_missing_policy_file_is_an_error_naming_it() {
    let e = Policy::load(Path::new("/nonexistent/policy.toml")).unwrap_err();
    assert_eq!(e.path, Path::new("/nonexistent/policy.toml"));
    assert!(
        e.to_string()
            .starts_with("/nonexistent/policy.toml: cannot read"),
        "{e}"
    );
}

#[test]
fn policy_text_can_be_checked_before_it_is_saved() {
    let (dir, _) = setup("");
    let at = dir.path().join("draft.toml");
    let p = Policy::parse("geo_databases = [\"geo.csv\"]\n", &at).unwrap();
    assert_eq!(p.geo_databases(), &[dir.path().join("geo.csv")]);
    let e = Policy::parse("bogus = 1\n", &at).unwrap_err();
    assert_eq!(e.path, at);
}
