//! Re-emitting a .torrent with other trackers, for per-member passkey URLs.
//!
//! The info dictionary is copied byte for byte from the original, so the
//! info-hash cannot change; so is every other top-level value except
//! `announce` and `announce-list` (BEP 12), which are replaced. Keys are
//! written in sorted order, as BEP 3 asks of writers, whatever order the
//! original had; a repeated key keeps its first value, the one the parser
//! read.

use std::ops::Range;

use bencode::Value;

const ANNOUNCE: &[u8] = b"announce";
const ANNOUNCE_LIST: &[u8] = b"announce-list";

pub(crate) fn with_announce(
    original: &[u8],
    top_level: &[(Vec<u8>, Range<usize>)],
    announce: &str,
    announce_list: &[Vec<String>],
) -> Vec<u8> {
    let new_list = encode_announce_list(announce_list);
    let new_announce = bencode::encode_to_vec(&Value::Bytes(announce.as_bytes()));

    let mut entries: Vec<(&[u8], &[u8])> = top_level
        .iter()
        .filter(|(key, _)| key != ANNOUNCE && key != ANNOUNCE_LIST)
        .map(|(key, span)| (key.as_slice(), &original[span.clone()]))
        .collect();
    entries.push((ANNOUNCE, &new_announce));
    // Without tiers, drop the original list rather than keep it: BEP 12
    // clients prefer `announce-list` over `announce`, so a stale list would
    // hide the new URL.
    if let Some(list) = &new_list {
        entries.push((ANNOUNCE_LIST, list));
    }
    // Stable, so the first of repeated keys stays first and is kept.
    entries.sort_by_key(|(key, _)| *key);
    entries.dedup_by_key(|(key, _)| *key);

    let capacity = original.len() + new_announce.len() + new_list.as_ref().map_or(0, Vec::len);
    let mut out = Vec::with_capacity(capacity);
    out.push(b'd');
    for (key, value) in entries {
        bencode::encode(&Value::Bytes(key), &mut out);
        out.extend_from_slice(value);
    }
    out.push(b'e');
    out
}

/// `announce-list` as bencode, or `None` when there is no non-empty tier.
/// Empty tiers are left out; clients would skip them anyway.
fn encode_announce_list(tiers: &[Vec<String>]) -> Option<Vec<u8>> {
    let mut tiers = tiers.iter().filter(|tier| !tier.is_empty()).peekable();
    tiers.peek()?;
    let mut out = vec![b'l'];
    for tier in tiers {
        out.push(b'l');
        for url in tier {
            bencode::encode(&Value::Bytes(url.as_bytes()), &mut out);
        }
        out.push(b'e');
    }
    out.push(b'e');
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spans(input: &[u8]) -> Vec<(Vec<u8>, Range<usize>)> {
        let root = bencode::decode(input).unwrap();
        root.value
            .as_dict()
            .unwrap()
            .iter()
            .map(|(key, value)| (key.to_vec(), value.span.clone()))
            .collect()
    }

    #[test]
    fn announce_keys_are_replaced_and_the_rest_kept_in_sorted_order() {
        let input = b"d4:infod1:xi1ee8:announce3:old13:announce-listll3:oldeee";
        let out = with_announce(input, &spans(input), "new", &[vec!["a".into(), "b".into()]]);
        assert_eq!(
            out,
            b"d8:announce3:new13:announce-listll1:a1:bee4:infod1:xi1eee"
        );
    }

    #[test]
    fn non_canonical_values_are_copied_as_they_were() {
        // The info dictionary's keys are unsorted; re-encoding would sort
        // them and change the info-hash.
        let input = b"d4:infod1:bi1e1:ai2ee7:zzzzzzzd1:yi0e1:xi0eee";
        let out = with_announce(input, &spans(input), "u", &[]);
        assert_eq!(
            out,
            b"d8:announce1:u4:infod1:bi1e1:ai2ee7:zzzzzzzd1:yi0e1:xi0eee"
        );
    }

    #[test]
    fn an_empty_list_of_tiers_removes_announce_list() {
        let input = b"d13:announce-listll3:oldee4:infodee";
        let tiers = [vec![], vec![]];
        let out = with_announce(input, &spans(input), "u", &tiers);
        assert_eq!(out, b"d8:announce1:u4:infodee");
    }

    #[test]
    fn a_repeated_key_keeps_its_first_value() {
        let input = b"d7:commenti1e4:infode7:commenti2ee";
        let out = with_announce(input, &spans(input), "u", &[]);
        assert_eq!(out, b"d8:announce1:u7:commenti1e4:infodee");
    }
}
