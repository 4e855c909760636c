//! The policy file as written (TOML), before validation.
//!
//! ```toml
//! geo_databases = ["/var/lib/swarmgate/dbip-country.mmdb"]
//! # or GeoLite2 CSV: [{ blocks = ["...-Blocks-IPv4.csv", "...-Blocks-IPv6.csv"],
//! #                    locations = "GeoLite2-Country-Locations-en.csv" }]
//! default = "allow"
//!
//! [lists]
//! vpn_exits = "/etc/swarmgate/vpn-exits.txt"
//!
//! [[rule]]
//! name = "self-block"
//! countries = ["RU"]
//! lists = ["vpn_exits"]
//! scope = ["tracker", "portal", "download"]
//! action = "deny"
//! message.en = "This site is not available in your country."
//! message.ru = "Сайт недоступен в вашей стране."
//! blocked_by = "https://example.org/why-we-block"
//! ```
//!
//! Every value a later check can reject is [`Spanned`], so its error names
//! the line and column.

use std::collections::BTreeMap;
use std::fmt;

use serde::Deserialize;
use serde::de::{self, MapAccess, SeqAccess, Visitor, value::MapAccessDeserializer};
use toml::Spanned;

/// The whole file.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct PolicyFile {
    /// Geo databases in priority order: where they disagree, the first that
    /// places an address in a country wins. Relative paths are relative to
    /// the policy file's directory.
    #[serde(default)]
    pub(crate) geo_databases: Vec<Spanned<GeoEntry>>,
    /// The decision when no rule matches.
    #[serde(default)]
    pub(crate) default: DefaultAction,
    /// Named CIDR list files, referred to by rules' `lists`.
    #[serde(default)]
    pub(crate) lists: BTreeMap<Spanned<String>, Spanned<String>>,
    /// The rules, in order (`[[rule]]` tables).
    #[serde(default, rename = "rule")]
    pub(crate) rules: Vec<RuleEntry>,
}

/// What happens when no rule matches.
#[derive(Clone, Copy, Debug, Default, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub(crate) enum DefaultAction {
    #[default]
    Allow,
    Deny,
}

/// One `[[rule]]`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RuleEntry {
    /// Unique, non-empty; appears in counters and explanations.
    pub(crate) name: Spanned<String>,
    /// ISO 3166-1 alpha-2 codes, or `unknown`.
    pub(crate) countries: Option<Vec<Spanned<String>>>,
    /// Names from `[lists]`.
    pub(crate) lists: Option<Vec<Spanned<String>>>,
    /// `portal`, `tracker`, `download`, `category:<slug>`; absent = all.
    pub(crate) scope: Option<Vec<Spanned<String>>>,
    pub(crate) action: ActionEntry,
    /// Text by language tag (`message.en`, `message.ru`).
    #[serde(default)]
    pub(crate) message: BTreeMap<Spanned<String>, String>,
    /// URL of the legal basis, sent as `Link: <...>; rel="blocked-by"`.
    pub(crate) blocked_by: Option<Spanned<String>>,
}

#[derive(Clone, Copy, Debug, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub(crate) enum ActionEntry {
    Allow,
    Deny,
    Shadow,
}

/// An entry of `geo_databases`: a path, or a GeoLite2 CSV pair.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum GeoEntry {
    Path(String),
    GeoLite2Csv {
        blocks: Vec<String>,
        locations: String,
    },
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct GeoLite2Csv {
    blocks: OneOrMany,
    locations: String,
}

impl<'de> Deserialize<'de> for GeoEntry {
    fn deserialize<D: de::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = GeoEntry;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a path, or { blocks = \"...\", locations = \"...\" }")
            }
            fn visit_str<E: de::Error>(self, s: &str) -> Result<GeoEntry, E> {
                Ok(GeoEntry::Path(s.to_owned()))
            }
            fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<GeoEntry, A::Error> {
                let csv = GeoLite2Csv::deserialize(MapAccessDeserializer::new(map))?;
                Ok(GeoEntry::GeoLite2Csv {
                    blocks: csv.blocks.0,
                    locations: csv.locations,
                })
            }
        }
        d.deserialize_any(V)
    }
}

/// A string or an array of strings.
struct OneOrMany(Vec<String>);

impl<'de> Deserialize<'de> for OneOrMany {
    fn deserialize<D: de::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = OneOrMany;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a path or an array of paths")
            }
            fn visit_str<E: de::Error>(self, s: &str) -> Result<OneOrMany, E> {
                Ok(OneOrMany(vec![s.to_owned()]))
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<OneOrMany, A::Error> {
                let mut all = Vec::new();
                while let Some(s) = seq.next_element::<String>()? {
                    all.push(s);
                }
                Ok(OneOrMany(all))
            }
        }
        d.deserialize_any(V)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_documented_example_parses() {
        let doc = include_str!("file.rs");
        let start = doc.find("//! ```toml\n").unwrap() + 12;
        let end = start + doc[start..].find("//! ```\n").unwrap();
        let example: String = doc[start..end]
            .lines()
            .map(|l| l.strip_prefix("//! ").unwrap_or("").to_owned() + "\n")
            .collect();
        let file: PolicyFile = toml::from_str(&example).unwrap();
        assert_eq!(file.rules.len(), 1);
        let rule = &file.rules[0];
        assert_eq!(rule.message.len(), 2);
        assert_eq!(rule.action, ActionEntry::Deny);
        assert_eq!(file.default, DefaultAction::Allow);
    }

    #[test]
    fn geo_entries_are_paths_or_geolite2_pairs() {
        let file: PolicyFile = toml::from_str(
            r#"geo_databases = ["a.mmdb", { blocks = "b.csv", locations = "l.csv" },
                                { blocks = ["b4.csv", "b6.csv"], locations = "l.csv" }]"#,
        )
        .unwrap();
        let entries: Vec<_> = file
            .geo_databases
            .into_iter()
            .map(|e| e.into_inner())
            .collect();
        assert_eq!(entries[0], GeoEntry::Path("a.mmdb".into()));
        assert_eq!(
            entries[2],
            GeoEntry::GeoLite2Csv {
                blocks: vec!["b4.csv".into(), "b6.csv".into()],
                locations: "l.csv".into()
            }
        );
    }

    #[test]
    fn unknown_keys_are_rejected_everywhere() {
        for text in [
            "defualt = \"deny\"",
            "[[rule]]\nname = \"a\"\naction = \"deny\"\ncountry = [\"RU\"]",
            "geo_databases = [{ blocks = \"b\", locations = \"l\", extra = 1 }]",
        ] {
            assert!(toml::from_str::<PolicyFile>(text).is_err(), "{text}");
        }
    }

    #[test]
    fn an_empty_file_is_an_allow_everything_policy() {
        let file: PolicyFile = toml::from_str("").unwrap();
        assert!(file.rules.is_empty() && file.geo_databases.is_empty());
        assert_eq!(file.default, DefaultAction::Allow);
    }
}
