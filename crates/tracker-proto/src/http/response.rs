//! Bencoded tracker answers (BEP 3), written by hand in canonical form:
//! dictionary keys in sorted byte order, integers without leading zeros.
//!
//! - announce: `complete`, `downloaded`, `incomplete`, `interval`,
//!   `min interval`, then the peers. Compact (BEP 23): `peers` is a string
//!   of 6-byte IPv4 entries, always present (empty when there are none),
//!   and `peers6` (BEP 7) a string of 18-byte IPv6 entries, present only
//!   when there are IPv6 peers: an IPv4-only answer then looks exactly as
//!   it did before BEP 7. Dictionary model: `peers` is a list of
//!   `{ip, peer id, port}` dictionaries with IPv4 and IPv6 peers together.
//! - scrape (BEP 48): `files` maps each 20-byte info-hash to `complete`,
//!   `downloaded`, `incomplete`.
//! - failure: `failure reason` alone.
//!
//! An IPv4-mapped IPv6 address (`::ffff:a.b.c.d`, as a dual-stack socket
//! reports IPv4 clients) is written as the IPv4 peer it is.

use super::{AnnounceResponse, PeerFormat, ResponsePeer, ScrapeFile};
use std::net::IpAddr;

/// Appends a bencoded announce answer.
pub fn write_announce_response(out: &mut Vec<u8>, resp: &AnnounceResponse<'_>, format: PeerFormat) {
    out.reserve(110 + 18 * resp.peers.len());
    out.extend_from_slice(b"d8:completei");
    write_uint(out, resp.complete.into());
    out.extend_from_slice(b"e10:downloadedi");
    write_uint(out, resp.downloaded);
    out.extend_from_slice(b"e10:incompletei");
    write_uint(out, resp.incomplete.into());
    out.extend_from_slice(b"e8:intervali");
    write_uint(out, resp.interval.into());
    out.extend_from_slice(b"e12:min intervali");
    write_uint(out, resp.min_interval.into());
    out.extend_from_slice(b"e5:peers");
    match format {
        PeerFormat::Compact => write_compact_peers(out, resp.peers),
        PeerFormat::Dictionary { no_peer_id } => write_peer_dicts(out, resp.peers, no_peer_id),
    }
    out.push(b'e');
}

fn write_compact_peers(out: &mut Vec<u8>, peers: &[ResponsePeer]) {
    let v4 = peers
        .iter()
        .filter(|p| p.ip.to_canonical().is_ipv4())
        .count();
    let v6 = peers.len() - v4;

    write_uint(out, 6 * v4 as u64);
    out.push(b':');
    for peer in peers {
        if let IpAddr::V4(ip) = peer.ip.to_canonical() {
            out.extend_from_slice(&ip.octets());
            out.extend_from_slice(&peer.port.to_be_bytes());
        }
    }

    if v6 > 0 {
        out.extend_from_slice(b"6:peers6");
        write_uint(out, 18 * v6 as u64);
        out.push(b':');
        for peer in peers {
            if let IpAddr::V6(ip) = peer.ip.to_canonical() {
                out.extend_from_slice(&ip.octets());
                out.extend_from_slice(&peer.port.to_be_bytes());
            }
        }
    }
}

fn write_peer_dicts(out: &mut Vec<u8>, peers: &[ResponsePeer], no_peer_id: bool) {
    out.push(b'l');
    for peer in peers {
        out.extend_from_slice(b"d2:ip");
        write_bytes(out, peer.ip.to_canonical().to_string().as_bytes());
        if !no_peer_id {
            out.extend_from_slice(b"7:peer id20:");
            out.extend_from_slice(&peer.peer_id.0);
        }
        out.extend_from_slice(b"4:porti");
        write_uint(out, peer.port.into());
        out.extend_from_slice(b"ee");
    }
    out.push(b'e');
}

/// Appends a bencoded scrape answer (BEP 48).
///
/// Bencode dictionaries need sorted, unique keys, so `files` is written in
/// info-hash order; of several entries for one hash, the first is written.
/// Sorting is skipped when `files` is already in order.
pub fn write_scrape_response(out: &mut Vec<u8>, files: &[ScrapeFile]) {
    out.reserve(12 + 90 * files.len());
    out.extend_from_slice(b"d5:filesd");
    if files.is_sorted_by(|a, b| a.info_hash < b.info_hash) {
        files.iter().for_each(|file| write_scrape_file(out, file));
    } else {
        let mut sorted: Vec<&ScrapeFile> = files.iter().collect();
        sorted.sort_by_key(|file| file.info_hash);
        sorted.dedup_by_key(|file| file.info_hash);
        sorted
            .into_iter()
            .for_each(|file| write_scrape_file(out, file));
    }
    out.extend_from_slice(b"ee");
}

fn write_scrape_file(out: &mut Vec<u8>, file: &ScrapeFile) {
    out.extend_from_slice(b"20:");
    out.extend_from_slice(&file.info_hash.0);
    out.extend_from_slice(b"d8:completei");
    write_uint(out, file.complete.into());
    out.extend_from_slice(b"e10:downloadedi");
    write_uint(out, file.downloaded);
    out.extend_from_slice(b"e10:incompletei");
    write_uint(out, file.incomplete.into());
    out.extend_from_slice(b"ee");
}

/// `d14:failure reason<len>:<reason>e` and nothing else.
pub fn write_failure(out: &mut Vec<u8>, reason: &str) {
    out.extend_from_slice(b"d14:failure reason");
    write_bytes(out, reason.as_bytes());
    out.push(b'e');
}

/// A bencoded byte string: `<len>:<bytes>`.
fn write_bytes(out: &mut Vec<u8>, bytes: &[u8]) {
    write_uint(out, bytes.len() as u64);
    out.push(b':');
    out.extend_from_slice(bytes);
}

/// Decimal digits without leading zeros, as bencode requires.
fn write_uint(out: &mut Vec<u8>, mut n: u64) {
    // u64::MAX has 20 digits.
    let mut digits = [0u8; 20];
    let mut start = digits.len();
    loop {
        start -= 1;
        digits[start] = b'0' + (n % 10) as u8;
        n /= 10;
        if n == 0 {
            break;
        }
    }
    out.extend_from_slice(&digits[start..]);
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{InfoHash, PeerId};
    use std::net::{Ipv4Addr, Ipv6Addr};

    fn peer(ip: IpAddr, port: u16) -> ResponsePeer {
        ResponsePeer {
            peer_id: PeerId(*b"-qB4650-abcdefghijkl"),
            ip,
            port,
        }
    }

    fn announce(peers: &[ResponsePeer], format: PeerFormat) -> Vec<u8> {
        let resp = AnnounceResponse {
            interval: 1800,
            min_interval: 900,
            complete: 5,
            incomplete: 7,
            downloaded: 42,
            peers,
        };
        let mut out = Vec::new();
        write_announce_response(&mut out, &resp, format);
        out
    }

    const V4: IpAddr = IpAddr::V4(Ipv4Addr::new(10, 1, 2, 3));
    const V6: IpAddr = IpAddr::V6(Ipv6Addr::LOCALHOST);

    #[test]
    fn compact_announce_without_peers_has_an_empty_peers_string() {
        assert_eq!(
            announce(&[], PeerFormat::Compact),
            b"d8:completei5e10:downloadedi42e10:incompletei7e8:intervali1800e\
              12:min intervali900e5:peers0:e"
        );
    }

    #[test]
    fn compact_announce_splits_ipv4_and_ipv6_peers() {
        let out = announce(&[peer(V6, 1), peer(V4, 6881)], PeerFormat::Compact);
        let mut expected = b"d8:completei5e10:downloadedi42e10:incompletei7e8:intervali1800e\
              12:min intervali900e5:peers6:"
            .to_vec();
        expected.extend_from_slice(&[10, 1, 2, 3, 0x1a, 0xe1]);
        expected.extend_from_slice(b"6:peers618:");
        expected.extend_from_slice(&Ipv6Addr::LOCALHOST.octets());
        expected.extend_from_slice(&[0, 1, b'e']);
        assert_eq!(out, expected);
    }

    #[test]
    fn ipv4_mapped_peer_is_written_as_ipv4() {
        let mapped = IpAddr::V6(Ipv4Addr::new(10, 1, 2, 3).to_ipv6_mapped());
        assert_eq!(
            announce(&[peer(mapped, 6881)], PeerFormat::Compact),
            announce(&[peer(V4, 6881)], PeerFormat::Compact)
        );
    }

    #[test]
    fn dictionary_announce_lists_peers_with_sorted_keys() {
        let out = announce(
            &[peer(V4, 6881), peer(V6, 1)],
            PeerFormat::Dictionary { no_peer_id: false },
        );
        let tail = b"5:peersld2:ip8:10.1.2.37:peer id20:-qB4650-abcdefghijkl4:porti6881ee\
                     d2:ip3:::17:peer id20:-qB4650-abcdefghijkl4:porti1eeee";
        assert!(out.ends_with(tail), "{}", String::from_utf8_lossy(&out));
    }

    #[test]
    fn dictionary_announce_omits_peer_ids_on_request() {
        let out = announce(
            &[peer(V4, 6881)],
            PeerFormat::Dictionary { no_peer_id: true },
        );
        assert!(out.ends_with(b"5:peersld2:ip8:10.1.2.34:porti6881eeee"));
    }

    #[test]
    fn scrape_without_files_is_an_empty_dictionary() {
        let mut out = Vec::new();
        write_scrape_response(&mut out, &[]);
        assert_eq!(out, b"d5:filesdee");
    }

    #[test]
    fn scrape_files_are_sorted_and_deduplicated() {
        let file = |byte, complete| ScrapeFile {
            info_hash: InfoHash([byte; 20]),
            complete,
            incomplete: 1,
            downloaded: 2,
        };
        let mut out = Vec::new();
        write_scrape_response(&mut out, &[file(b'b', 3), file(b'a', 4), file(b'b', 9)]);
        let expected = [
            &b"d5:filesd20:"[..],
            &[b'a'; 20],
            b"d8:completei4e10:downloadedi2e10:incompletei1ee20:",
            &[b'b'; 20],
            b"d8:completei3e10:downloadedi2e10:incompletei1eeee",
        ]
        .concat();
        assert_eq!(out, expected);
    }

    #[test]
    fn failure_is_a_single_key_dictionary() {
        let mut out = Vec::new();
        write_failure(&mut out, "unregistered torrent");
        assert_eq!(out, b"d14:failure reason20:unregistered torrente");
    }

    #[test]
    fn integers_have_no_leading_zeros() {
        for (n, text) in [
            (0, "0"),
            (7, "7"),
            (10, "10"),
            (u64::MAX, "18446744073709551615"),
        ] {
            let mut out = Vec::new();
            write_uint(&mut out, n);
            assert_eq!(out, text.as_bytes());
        }
    }
}
