//! Compiled rules and their evaluation.
//!
//! A rule matches a request when its scope matches and its address part
//! matches: the address's country is in `countries`, **or** the address is
//! in one of `lists`. A rule with both matches on either (a list widens the
//! rule to networks a country database places elsewhere, such as a VPN's
//! exits). A rule with neither `countries` nor `lists` matches every
//! address; an empty `countries = []` matches none. Rules are tried in order and the first allow or deny that
//! matches decides; a matching shadow rule is remembered and evaluation
//! goes on, so shadow rules never change what is enforced.

use crate::Scope;
use crate::cidr::CidrList;
use crate::country::{CountryCode, CountrySet};
use crate::geo::Addr;

/// What a rule does when it matches.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Action {
    Allow,
    Deny,
    /// Counts as if denied, denies nothing; evaluation goes on to the next
    /// rule, so adding a shadow rule never changes what is enforced.
    Shadow,
}

impl Action {
    /// `allow`, `deny` or `shadow`, as in policy files and counter rows.
    pub fn as_str(&self) -> &'static str {
        match self {
            Action::Allow => "allow",
            Action::Deny => "deny",
            Action::Shadow => "shadow",
        }
    }
}

/// One compiled rule, for explaining decisions.
#[derive(Clone, Debug)]
pub struct Rule {
    pub name: String,
    pub action: Action,
    pub(crate) matcher: Matcher,
    /// (language tag, text), sorted by tag.
    pub(crate) messages: Vec<(String, String)>,
    pub(crate) blocked_by: Option<String>,
}

/// The matching half of a rule.
#[derive(Clone, Debug)]
pub(crate) struct Matcher {
    /// None when the rule has no `countries` key.
    pub(crate) countries: Option<CountrySet>,
    /// Indices into the policy's lists, with their names; None when the
    /// rule has no `lists` key.
    pub(crate) lists: Option<Vec<(u16, String)>>,
    pub(crate) scopes: ScopeSet,
}

/// Which scopes a rule applies to.
#[derive(Clone, Debug, Default)]
pub(crate) struct ScopeSet {
    /// None: every scope (the rule has no `scope` key).
    pub(crate) only: Option<Scopes>,
}

#[derive(Clone, Debug, Default)]
pub(crate) struct Scopes {
    /// Bit i set for built-in scope i (see [`builtin_index`]).
    pub(crate) builtin: u8,
    pub(crate) categories: Vec<Box<str>>,
}

/// The index of a built-in scope (portal 0, tracker 1, download 2).
#[inline]
pub(crate) fn builtin_index(scope: &Scope<'_>) -> Option<usize> {
    match scope {
        Scope::Portal => Some(0),
        Scope::Tracker => Some(1),
        Scope::Download => Some(2),
        Scope::Category(_) => None,
    }
}

/// Names of the built-in scopes, by index.
pub(crate) const BUILTIN_SCOPES: [&str; 3] = ["portal", "tracker", "download"];

/// `portal`, `tracker`, `download` or `category:<slug>`, as in policy files
/// and counter rows. None for anything else.
pub(crate) fn parse_scope(s: &str) -> Option<Scope<'_>> {
    match s {
        "portal" => Some(Scope::Portal),
        "tracker" => Some(Scope::Tracker),
        "download" => Some(Scope::Download),
        _ => {
            let slug = s.strip_prefix("category:")?;
            let valid =
                !slug.is_empty() && !slug.chars().any(|c| c.is_whitespace() || c.is_control());
            valid.then_some(Scope::Category(slug))
        }
    }
}

impl ScopeSet {
    /// `scope` None stands for a scope no rule can name (replaying a counter
    /// row from another version): only unscoped rules match it.
    #[inline]
    fn matches(&self, scope: Option<&Scope<'_>>) -> bool {
        let Some(only) = &self.only else {
            return true;
        };
        match scope {
            Some(Scope::Category(slug)) => only.categories.iter().any(|c| **c == **slug),
            Some(builtin) => builtin_index(builtin).is_some_and(|i| only.builtin & (1 << i) != 0),
            None => false,
        }
    }
}

impl Matcher {
    /// `addr` None means the address is not known (simulation): lists do
    /// not match.
    #[inline]
    fn matches_address(&self, country: u16, addr: Option<Addr>, lists: &[CidrList]) -> bool {
        if self.countries.is_none() && self.lists.is_none() {
            return true;
        }
        if self.countries.is_some_and(|set| set.contains(country)) {
            return true;
        }
        match (&self.lists, addr) {
            (Some(names), Some(addr)) => names
                .iter()
                .any(|(i, _)| lists.get(usize::from(*i)).is_some_and(|l| l.contains(addr))),
            _ => false,
        }
    }
}

impl Rule {
    /// The countries the rule names, if it has a `countries` key.
    pub fn countries(&self) -> Option<Vec<CountryCode>> {
        self.matcher.countries.map(|set| set.iter().collect())
    }

    /// The CIDR lists the rule names, if it has a `lists` key.
    pub fn lists(&self) -> Option<Vec<&str>> {
        let lists = self.matcher.lists.as_ref()?;
        Some(lists.iter().map(|(_, name)| name.as_str()).collect())
    }

    /// The scopes the rule is limited to; None means every scope.
    pub fn scopes(&self) -> Option<Vec<String>> {
        let only = self.matcher.scopes.only.as_ref()?;
        let builtin = (0..BUILTIN_SCOPES.len())
            .filter(|i| only.builtin & (1 << i) != 0)
            .map(|i| BUILTIN_SCOPES[i].to_owned());
        let categories = only.categories.iter().map(|c| format!("category:{c}"));
        Some(builtin.chain(categories).collect())
    }

    /// The rule's messages as (language tag, text).
    pub fn messages(&self) -> impl Iterator<Item = (&str, &str)> {
        self.messages.iter().map(|(l, t)| (l.as_str(), t.as_str()))
    }

    /// The URL of the legal basis (`blocked_by`), if any.
    pub fn blocked_by(&self) -> Option<&str> {
        self.blocked_by.as_deref()
    }

    /// The message for the first of `languages` the rule has: an exact
    /// (case-insensitive) tag match, else the bare language (`ru` for
    /// `ru-RU`), else any tag of that language (`ru-RU` for `ru`); then
    /// English.
    pub(crate) fn message_for(&self, languages: &[&str]) -> Option<&str> {
        let find = |want: &str| {
            let tags = || self.messages.iter();
            let exact = tags().find(|(tag, _)| tag.eq_ignore_ascii_case(want));
            let bare = || tags().find(|(tag, _)| tag.eq_ignore_ascii_case(primary(want)));
            let same = || tags().find(|(tag, _)| primary(tag).eq_ignore_ascii_case(primary(want)));
            exact
                .or_else(bare)
                .or_else(same)
                .map(|(_, text)| text.as_str())
        };
        languages
            .iter()
            .filter(|l| !l.is_empty())
            .find_map(|l| find(l))
            .or_else(|| find("en"))
    }
}

/// The primary language subtag: `ru` of `ru-RU`.
fn primary(tag: &str) -> &str {
    tag.split('-').next().unwrap_or(tag)
}

/// What evaluation found.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Outcome {
    pub(crate) denied: bool,
    pub(crate) rule: Option<usize>,
    pub(crate) shadow: Option<usize>,
}

/// Runs the rules in order; see the module doc.
#[inline]
pub(crate) fn evaluate(
    rules: &[Rule],
    lists: &[CidrList],
    default_deny: bool,
    country: u16,
    addr: Option<Addr>,
    scope: Option<&Scope<'_>>,
) -> Outcome {
    let mut shadow = None;
    for (i, rule) in rules.iter().enumerate() {
        let m = &rule.matcher;
        if !m.scopes.matches(scope) || !m.matches_address(country, addr, lists) {
            continue;
        }
        match rule.action {
            Action::Shadow => {
                shadow.get_or_insert(i);
            }
            Action::Allow | Action::Deny => {
                return Outcome {
                    denied: rule.action == Action::Deny,
                    rule: Some(i),
                    shadow,
                };
            }
        }
    }
    Outcome {
        denied: default_deny,
        rule: None,
        shadow,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rule(name: &str, action: Action, countries: &[&str], scopes: Option<Scopes>) -> Rule {
        let mut set = CountrySet::default();
        for c in countries {
            set.insert(CountryCode::parse(c).unwrap().index());
        }
        Rule {
            name: name.into(),
            action,
            matcher: Matcher {
                countries: Some(set),
                lists: None,
                scopes: ScopeSet { only: scopes },
            },
            messages: vec![("en".into(), "No.".into()), ("ru-RU".into(), "Нет.".into())],
            blocked_by: None,
        }
    }

    fn idx(c: &str) -> u16 {
        CountryCode::parse(c).unwrap().index()
    }

    #[test]
    fn the_first_matching_rule_decides() {
        let rules = [
            rule("allow-de", Action::Allow, &["DE"], None),
            rule("deny-de-fr", Action::Deny, &["DE", "FR"], None),
        ];
        let at = |c| evaluate(&rules, &[], false, idx(c), None, Some(&Scope::Portal));
        assert_eq!(
            at("DE"),
            Outcome {
                denied: false,
                rule: Some(0),
                shadow: None
            }
        );
        assert_eq!(
            at("FR"),
            Outcome {
                denied: true,
                rule: Some(1),
                shadow: None
            }
        );
        assert_eq!(
            at("US"),
            Outcome {
                denied: false,
                rule: None,
                shadow: None
            }
        );
    }

    #[test]
    fn a_shadow_rule_is_reported_but_evaluation_goes_on() {
        let rules = [
            rule("preview", Action::Shadow, &["RU"], None),
            rule("later", Action::Shadow, &["RU"], None),
            rule(
                "deny",
                Action::Deny,
                &["RU"],
                Some(Scopes {
                    builtin: 0b10,
                    categories: vec![],
                }),
            ),
        ];
        let at = |s| evaluate(&rules, &[], false, idx("RU"), None, Some(&s));
        assert_eq!(
            at(Scope::Portal),
            Outcome {
                denied: false,
                rule: None,
                shadow: Some(0)
            }
        );
        assert_eq!(
            at(Scope::Tracker),
            Outcome {
                denied: true,
                rule: Some(2),
                shadow: Some(0)
            }
        );
    }

    #[test]
    fn scopes_match_built_ins_and_categories_by_slug() {
        let only = Scopes {
            builtin: 0b100,
            categories: vec!["music".into()],
        };
        let set = ScopeSet { only: Some(only) };
        assert!(set.matches(Some(&Scope::Download)));
        assert!(set.matches(Some(&Scope::Category("music"))));
        assert!(!set.matches(Some(&Scope::Category("films"))));
        assert!(!set.matches(Some(&Scope::Tracker)));
        assert!(!set.matches(None));
        assert!(ScopeSet::default().matches(None));
    }

    #[test]
    fn scope_strings_parse_and_bad_ones_do_not() {
        assert_eq!(parse_scope("tracker"), Some(Scope::Tracker));
        assert_eq!(
            parse_scope("category:tv-shows"),
            Some(Scope::Category("tv-shows"))
        );
        for bad in ["Tracker", "category:", "category:a b", "release:1", ""] {
            assert_eq!(parse_scope(bad), None, "{bad}");
        }
    }

    #[test]
    fn messages_fall_back_from_region_to_language_to_english() {
        let r = rule("r", Action::Deny, &[], None);
        assert_eq!(r.message_for(&["ru-RU"]), Some("Нет."));
        assert_eq!(r.message_for(&["RU"]), Some("Нет."));
        assert_eq!(r.message_for(&["de", "ru-ru"]), Some("Нет."));
        assert_eq!(r.message_for(&["fr"]), Some("No."));
        let mut silent = r.clone();
        silent.messages.clear();
        assert_eq!(silent.message_for(&["en"]), None);
    }
}
