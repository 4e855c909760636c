//! Picking the visitor's languages from `Accept-Language` (RFC 9110
//! section 12.5.4).

use axum::http::HeaderMap;

/// Primary language subtags, best first (`ru-RU;q=0.9, en;q=0.8` ->
/// `["ru", "en"]`). Entries with `q=0` are refusals and dropped; `*` is
/// ignored (the caller's fallback covers it).
pub fn preferred_languages(headers: &HeaderMap) -> Vec<String> {
    let mut weighted: Vec<(u16, usize, String)> = headers
        .get_all("accept-language")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .enumerate()
        .filter_map(|(position, item)| {
            let mut parts = item.split(';');
            let tag = parts.next()?.trim();
            let primary = tag.split('-').next()?.to_ascii_lowercase();
            if primary.is_empty()
                || primary == "*"
                || !primary.chars().all(|c| c.is_ascii_alphabetic())
            {
                return None;
            }
            let q = parts
                .filter_map(|p| p.trim().strip_prefix("q="))
                .find_map(parse_q)
                .unwrap_or(1000);
            (q > 0).then_some((q, position, primary))
        })
        .collect();
    // Highest weight first; equal weights keep the order the client gave.
    weighted.sort_by(|a, b| b.0.cmp(&a.0).then(a.1.cmp(&b.1)));
    let mut out: Vec<String> = Vec::new();
    for (_, _, language) in weighted {
        if !out.contains(&language) {
            out.push(language);
        }
    }
    out
}

/// `0.8` -> 800 (thousandths), None when malformed.
fn parse_q(q: &str) -> Option<u16> {
    let value: f32 = q.trim().parse().ok()?;
    (0.0..=1.0)
        .contains(&value)
        .then(|| (value * 1000.0).round() as u16)
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;

    fn langs(header: &str) -> Vec<String> {
        let mut h = HeaderMap::new();
        h.insert("accept-language", HeaderValue::from_str(header).unwrap());
        preferred_languages(&h)
    }

    #[test]
    fn languages_are_ordered_by_weight_then_position() {
        assert_eq!(
            langs("en;q=0.5, ru-RU, ru;q=0.9, de"),
            vec!["ru", "de", "en"]
        );
    }

    #[test]
    fn refused_wildcard_and_garbage_entries_are_dropped() {
        assert_eq!(langs("fr;q=0, *, 12, en;q=oops"), vec!["en"]);
    }

    #[test]
    fn no_header_means_no_preference() {
        assert!(preferred_languages(&HeaderMap::new()).is_empty());
    }
}
