//! Magnet links (BEP 9, with BEP 52's v2 form).
//!
//! `xt=urn:btih:<40 hex>` names a v1 swarm (BEP 9); `xt=urn:btmh:1220<64
//! hex>` a v2 one, as a multihash: `0x12` is SHA2-256 and `0x20` its length
//! (BEP 52). A hybrid torrent gets both, so either kind of client finds its
//! swarm. `dn` is the display name, `xl` the exact length in bytes, and
//! each `tr` one tracker URL. Values are percent-encoded except for RFC
//! 3986's unreserved characters, so a passkey URL or a name with `&` or
//! spaces survives intact.

use crate::InfoHashes;

/// Builds a magnet link. `name` is left out when empty, `size` when `None`;
/// trackers are listed in the order given.
pub fn magnet_link(
    hashes: &InfoHashes,
    name: &str,
    size: Option<u64>,
    trackers: &[impl AsRef<str>],
) -> String {
    let mut link = String::from("magnet:?");
    let mut separator = "";
    let mut param = |key: &str, value: &str, encode: bool| {
        link.push_str(separator);
        link.push_str(key);
        link.push('=');
        if encode {
            percent_encode(value, &mut link);
        } else {
            link.push_str(value);
        }
        separator = "&";
    };
    if let Some(v1) = hashes.v1() {
        param("xt", &format!("urn:btih:{}", v1.to_hex()), false);
    }
    if let Some(v2) = hashes.v2() {
        param("xt", &format!("urn:btmh:1220{}", v2.to_hex()), false);
    }
    if !name.is_empty() {
        param("dn", name, true);
    }
    if let Some(size) = size {
        param("xl", &size.to_string(), false);
    }
    for tracker in trackers {
        param("tr", tracker.as_ref(), true);
    }
    link
}

fn percent_encode(value: &str, out: &mut String) {
    const HEX: &[u8; 16] = b"0123456789ABCDEF";
    for &byte in value.as_bytes() {
        if byte.is_ascii_alphanumeric() || matches!(byte, b'-' | b'.' | b'_' | b'~') {
            out.push(char::from(byte));
        } else {
            out.push('%');
            out.push(char::from(HEX[usize::from(byte >> 4)]));
            out.push(char::from(HEX[usize::from(byte & 0x0f)]));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::InfoHashV2;
    use tracker_proto::InfoHash;

    #[test]
    fn a_v1_link_has_btih_name_size_and_encoded_trackers() {
        let hashes = InfoHashes::V1(InfoHash([0xab; 20]));
        let link = magnet_link(
            &hashes,
            "A & B.mkv",
            Some(1234),
            &["http://t.example/announce/pass?k=1"],
        );
        assert_eq!(
            link,
            format!(
                "magnet:?xt=urn:btih:{}&dn=A%20%26%20B.mkv&xl=1234\
                 &tr=http%3A%2F%2Ft.example%2Fannounce%2Fpass%3Fk%3D1",
                "ab".repeat(20)
            )
        );
    }

    #[test]
    fn a_hybrid_link_names_both_swarms_v1_first() {
        let hashes = InfoHashes::Hybrid {
            v1: InfoHash([1; 20]),
            v2: InfoHashV2([2; 32]),
        };
        let link = magnet_link(&hashes, "", None, &[] as &[&str]);
        assert_eq!(
            link,
            format!(
                "magnet:?xt=urn:btih:{}&xt=urn:btmh:1220{}",
                "01".repeat(20),
                "02".repeat(32)
            )
        );
    }

    #[test]
    fn names_are_percent_encoded_as_utf8_bytes() {
        let hashes = InfoHashes::V2(InfoHashV2([0; 32]));
        let link = magnet_link(&hashes, "Диск~1", None, &[String::from("udp://x:1")]);
        assert!(link.ends_with("&dn=%D0%94%D0%B8%D1%81%D0%BA~1&tr=udp%3A%2F%2Fx%3A1"));
    }
}
