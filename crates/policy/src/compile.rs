//! From policy text to a compiled [`Policy`]: validation first (cheap, and
//! every error names the line), then the CIDR lists and geo databases.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use toml::Spanned;

use crate::cidr::CidrList;
use crate::country::{CountryCode, CountrySet};
use crate::error::{LoadError, PolicyError, TextFile};
use crate::file::{ActionEntry, DefaultAction, GeoEntry, PolicyFile, RuleEntry};
use crate::geo::{self, GeoSource, GeoTable};
use crate::rules::{Action, Matcher, Rule, ScopeSet, Scopes, builtin_index, parse_scope};
use crate::{Policy, Scope};

/// Compiles `text`, read from `path` (relative paths inside are relative to
/// its directory).
pub(crate) fn compile(path: &Path, text: &str) -> Result<Policy, PolicyError> {
    let file = TextFile {
        path: path.to_path_buf(),
        text,
    };
    let spec: PolicyFile = toml::from_str(text).map_err(|e| match e.span() {
        Some(span) => file.error_at(span.start, e.message().trim_end()),
        None => PolicyError::new(path, e.message().trim_end()),
    })?;
    let base = path.parent().unwrap_or(Path::new(""));

    // BTreeMap order: a list's index is its position among the names.
    let list_names: Vec<&str> = spec.lists.keys().map(|k| k.get_ref().as_str()).collect();
    for name in spec.lists.keys() {
        if !is_identifier(name.get_ref()) {
            return Err(file.error_at(
                name.span().start,
                format_args!(
                    "list name `{}` must be letters, digits, `_` or `-`",
                    name.get_ref()
                ),
            ));
        }
    }

    let has_geo = !spec.geo_databases.is_empty();
    let mut rules = Vec::with_capacity(spec.rules.len());
    let mut seen: HashMap<&str, usize> = HashMap::new();
    for entry in &spec.rules {
        let name = entry.name.get_ref().as_str();
        if let Some(&first) = seen.get(name) {
            return Err(file.error_at(
                entry.name.span().start,
                format_args!(
                    "rule name `{name}` is already used ({})",
                    file.position(first)
                ),
            ));
        }
        seen.insert(name, entry.name.span().start);
        rules.push(compile_rule(&file, entry, &list_names, has_geo)?);
    }

    let mut files = vec![path.to_path_buf()];
    let mut lists = Vec::with_capacity(spec.lists.len());
    for list_path in spec.lists.values() {
        let resolved = resolve(&file, base, list_path)?;
        files.push(resolved.clone());
        let list = CidrList::load(&resolved)
            .map_err(|e| referring_error(&file, list_path.span().start, "CIDR list", e))?;
        lists.push(list);
    }

    let mut databases = Vec::new();
    for entry in &spec.geo_databases {
        let source = match entry.get_ref() {
            GeoEntry::Path(p) => GeoSource::File(resolve_str(&file, base, p, entry)?),
            GeoEntry::GeoLite2Csv { blocks, locations } => {
                if blocks.is_empty() {
                    return Err(file.error_at(entry.span().start, "`blocks` lists no files"));
                }
                GeoSource::GeoLite2Csv {
                    blocks: blocks
                        .iter()
                        .map(|b| resolve_str(&file, base, b, entry))
                        .collect::<Result<_, _>>()?,
                    locations: resolve_str(&file, base, locations, entry)?,
                }
            }
        };
        match &source {
            GeoSource::File(p) => files.push(p.clone()),
            GeoSource::GeoLite2Csv { blocks, locations } => {
                files.extend(blocks.iter().cloned());
                files.push(locations.clone());
            }
        }
        let loaded = geo::load(&source)
            .map_err(|e| referring_error(&file, entry.span().start, "geo database", e))?;
        databases.extend(loaded);
    }

    Ok(Policy {
        geo: GeoTable::compile(databases),
        lists,
        rules,
        default_deny: spec.default == DefaultAction::Deny,
        files,
    })
}

/// A missing file is the referring line's fault; a bad one is its own.
fn referring_error(file: &TextFile<'_>, at: usize, what: &str, e: LoadError) -> PolicyError {
    match e {
        LoadError::Unreadable(path, io) => file.error_at(
            at,
            format_args!("cannot read {what} {}: {io}", path.display()),
        ),
        LoadError::Invalid(e) => e,
    }
}

fn resolve(file: &TextFile<'_>, base: &Path, p: &Spanned<String>) -> Result<PathBuf, PolicyError> {
    resolve_str(file, base, p.get_ref(), p)
}

fn resolve_str<T>(
    file: &TextFile<'_>,
    base: &Path,
    p: &str,
    at: &Spanned<T>,
) -> Result<PathBuf, PolicyError> {
    if p.trim().is_empty() {
        return Err(file.error_at(at.span().start, "empty path"));
    }
    Ok(base.join(p))
}

fn is_identifier(s: &str) -> bool {
    !s.is_empty()
        && s.chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
}

fn compile_rule(
    file: &TextFile<'_>,
    entry: &RuleEntry,
    list_names: &[&str],
    has_geo: bool,
) -> Result<Rule, PolicyError> {
    let name = entry.name.get_ref();
    let name_at = entry.name.span().start;
    if name.trim().is_empty() {
        return Err(file.error_at(name_at, "a rule needs a non-empty name"));
    }
    if name == "default" {
        return Err(file.error_at(
            name_at,
            "`default` is reserved: counters name the policy's default with it",
        ));
    }

    let countries = match &entry.countries {
        None => None,
        Some(codes) => {
            if !has_geo {
                let at = codes.first().map_or(name_at, |c| c.span().start);
                return Err(file.error_at(
                    at,
                    format_args!(
                        "rule `{name}` matches countries, but no geo_databases are listed"
                    ),
                ));
            }
            let mut set = CountrySet::default();
            for code in codes {
                let parsed = CountryCode::parse(code.get_ref()).ok_or_else(|| {
                    file.error_at(
                        code.span().start,
                        format_args!(
                            "unknown country code `{}` (expected an assigned ISO 3166-1 \
                             alpha-2 code, or `unknown`)",
                            code.get_ref()
                        ),
                    )
                })?;
                set.insert(parsed.index());
            }
            Some(set)
        }
    };

    let lists = match &entry.lists {
        None => None,
        Some(names) => Some(
            names
                .iter()
                .map(|n| {
                    let i = list_names.iter().position(|l| *l == n.get_ref());
                    let i = i.ok_or_else(|| {
                        let known = if list_names.is_empty() {
                            "[lists] defines none".to_owned()
                        } else {
                            format!("[lists] defines {}", list_names.join(", "))
                        };
                        file.error_at(
                            n.span().start,
                            format_args!("unknown list `{}` ({known})", n.get_ref()),
                        )
                    })?;
                    Ok((i as u16, n.get_ref().clone()))
                })
                .collect::<Result<Vec<_>, PolicyError>>()?,
        ),
    };

    let scopes = match &entry.scope {
        None => ScopeSet::default(),
        Some(list) if list.is_empty() => {
            return Err(file.error_at(
                name_at,
                format_args!(
                    "rule `{name}` has an empty scope, so it could never match; \
                     leave `scope` out to apply it everywhere"
                ),
            ));
        }
        Some(list) => {
            let mut only = Scopes::default();
            for s in list {
                match parse_scope(s.get_ref()) {
                    Some(Scope::Category(slug)) => only.categories.push(slug.into()),
                    Some(builtin) => {
                        only.builtin |= 1 << builtin_index(&builtin).unwrap_or(0);
                    }
                    None => {
                        return Err(file.error_at(
                            s.span().start,
                            format_args!(
                                "unknown scope `{}` (expected portal, tracker, download \
                                 or category:<slug>)",
                                s.get_ref()
                            ),
                        ));
                    }
                }
            }
            ScopeSet { only: Some(only) }
        }
    };

    let mut messages = Vec::with_capacity(entry.message.len());
    for (tag, text) in &entry.message {
        if !is_language_tag(tag.get_ref()) {
            return Err(file.error_at(
                tag.span().start,
                format_args!(
                    "`{}` is not a language tag (like en, ru, pt-BR)",
                    tag.get_ref()
                ),
            ));
        }
        if text.trim().is_empty() {
            return Err(file.error_at(
                tag.span().start,
                format_args!("message.{} is empty", tag.get_ref()),
            ));
        }
        messages.push((tag.get_ref().clone(), text.clone()));
    }

    let blocked_by = match &entry.blocked_by {
        None => None,
        Some(url) => {
            check_link(url.get_ref()).map_err(|why| file.error_at(url.span().start, why))?;
            Some(url.get_ref().clone())
        }
    };

    Ok(Rule {
        name: name.clone(),
        action: match entry.action {
            ActionEntry::Allow => Action::Allow,
            ActionEntry::Deny => Action::Deny,
            ActionEntry::Shadow => Action::Shadow,
        },
        matcher: Matcher {
            countries,
            lists,
            scopes,
        },
        messages,
        blocked_by,
    })
}

/// BCP 47 in the shape Accept-Language uses: `en`, `pt-BR`, `zh-Hant-TW`.
fn is_language_tag(tag: &str) -> bool {
    let mut parts = tag.split('-');
    let first_ok = parts
        .next()
        .is_some_and(|p| (2..=8).contains(&p.len()) && p.chars().all(|c| c.is_ascii_alphabetic()));
    first_ok
        && parts.all(|p| (1..=8).contains(&p.len()) && p.chars().all(|c| c.is_ascii_alphanumeric()))
}

/// `blocked_by` goes into a `Link: <...>` header verbatim, so it must be an
/// absolute http(s) URL with nothing that could end the header field or the
/// angle brackets.
fn check_link(url: &str) -> Result<(), &'static str> {
    let rest = url
        .strip_prefix("https://")
        .or_else(|| url.strip_prefix("http://"))
        .ok_or("blocked_by must be an absolute http:// or https:// URL")?;
    if rest.is_empty() || rest.starts_with('/') {
        return Err("blocked_by has no host");
    }
    if url
        .chars()
        .any(|c| c.is_whitespace() || c.is_control() || matches!(c, '<' | '>' | '"'))
    {
        return Err("blocked_by must not contain spaces, control characters, <, > or \"");
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn language_tags_take_the_accept_language_shape() {
        for good in ["en", "ru", "pt-BR", "zh-Hant-TW", "EN"] {
            assert!(is_language_tag(good), "{good}");
        }
        for bad in ["", "e", "en_US", "en-", "123", "en-toolongsubtag"] {
            assert!(!is_language_tag(bad), "{bad}");
        }
    }

    #[test]
    fn links_must_be_absolute_http_urls_that_cannot_break_a_header() {
        assert!(check_link("https://example.org/why").is_ok());
        assert!(check_link("http://example.org").is_ok());
        for bad in [
            "example.org",
            "ftp://example.org",
            "https://",
            "https://ex.org/a b",
            "https://ex.org/>; rel=x",
            "https://ex.org/\r\nSet-Cookie: a",
        ] {
            assert!(check_link(bad).is_err(), "{bad}");
        }
    }
}
