//! Client datagrams: parsing (server side) and encoding (test clients).
//!
//! Layouts (BEP 15), after the common 16-byte header
//! `connection_id: u64, action: u32, transaction_id: u32`:
//! - connect: nothing; `connection_id` must be [`PROTOCOL_ID`];
//! - announce: `info_hash[20] peer_id[20] downloaded:u64 left:u64
//!   uploaded:u64 event:u32 ip:u32 key:u32 num_want:i32 port:u16`
//!   (98 bytes in all), then BEP 41 options;
//! - scrape: `info_hash[20]` repeated.

use super::reader::Reader;
use super::{
    AnnounceRequest, ConnectRequest, ConnectionId, MAX_SCRAPE_HASHES, PROTOCOL_ID, Request,
    RequestParseError, ScrapeRequest, TransactionId, UrlData, action,
};
use crate::{AnnounceEvent, InfoHash, PeerId};

/// The common header: enough to echo a transaction id.
const HEADER_LEN: usize = 16;
/// A whole announce request without BEP 41 options.
const ANNOUNCE_LEN: usize = 98;

/// BEP 41 option types. Every type other than these two single-byte ones
/// is followed by a length byte, which lets a parser skip types it does
/// not know.
const OPTION_END: u8 = 0x0;
const OPTION_NOP: u8 = 0x1;
const OPTION_URL_DATA: u8 = 0x2;

impl Request {
    /// Parses one datagram.
    ///
    /// Shorter than the 16-byte header, or a connect without BEP 15's magic
    /// (so not a BEP 15 client, and nobody who could read our answer):
    /// [`RequestParseError::Drop`]. Anything else that carries a transaction
    /// id but cannot be served gets [`RequestParseError::Reply`].
    pub fn parse(bytes: &[u8]) -> Result<Request, RequestParseError> {
        let mut r = Reader::new(bytes);
        let (Some(connection_id), Some(action), Some(transaction_id)) = (r.u64(), r.u32(), r.u32())
        else {
            return Err(RequestParseError::Drop);
        };
        let connection_id = ConnectionId(connection_id);
        let transaction_id = TransactionId(transaction_id);
        let reply = |message| RequestParseError::Reply {
            transaction_id,
            message,
        };

        match action {
            action::CONNECT if connection_id.0 == PROTOCOL_ID => {
                Ok(Request::Connect(ConnectRequest { transaction_id }))
            }
            action::CONNECT => Err(RequestParseError::Drop),
            action::ANNOUNCE => parse_announce(connection_id, transaction_id, &mut r)
                .map(Request::Announce)
                .map_err(reply),
            action::SCRAPE => {
                // A partial hash at the end is ignored, as are hashes past
                // the limit: the answer must fit one datagram.
                let (hashes, _partial) = r.rest().as_chunks::<20>();
                let info_hashes: Vec<InfoHash> = hashes
                    .iter()
                    .take(MAX_SCRAPE_HASHES)
                    .map(|h| InfoHash(*h))
                    .collect();
                if info_hashes.is_empty() {
                    return Err(reply("scrape request without info-hashes"));
                }
                Ok(Request::Scrape(ScrapeRequest {
                    connection_id,
                    transaction_id,
                    info_hashes,
                }))
            }
            _ => Err(reply("unknown action")),
        }
    }

    /// Encodes the request (for test clients and round-trip tests).
    ///
    /// A `num_want` above `i32::MAX` is written as `i32::MAX`, since the
    /// wire field is signed. URL data longer than 255 bytes is split over
    /// several `URLData` options, which BEP 41 says to concatenate.
    pub fn write_to(&self, out: &mut Vec<u8>) {
        match self {
            Request::Connect(c) => {
                out.extend_from_slice(&PROTOCOL_ID.to_be_bytes());
                out.extend_from_slice(&action::CONNECT.to_be_bytes());
                out.extend_from_slice(&c.transaction_id.0.to_be_bytes());
            }
            Request::Announce(a) => {
                out.reserve(ANNOUNCE_LEN + a.url_data.len() + a.url_data.len() / 255 * 2 + 2);
                out.extend_from_slice(&a.connection_id.0.to_be_bytes());
                out.extend_from_slice(&action::ANNOUNCE.to_be_bytes());
                out.extend_from_slice(&a.transaction_id.0.to_be_bytes());
                out.extend_from_slice(&a.info_hash.0);
                out.extend_from_slice(&a.peer_id.0);
                out.extend_from_slice(&a.downloaded.to_be_bytes());
                out.extend_from_slice(&a.left.to_be_bytes());
                out.extend_from_slice(&a.uploaded.to_be_bytes());
                out.extend_from_slice(&event_code(a.event).to_be_bytes());
                out.extend_from_slice(&a.ip_address.to_be_bytes());
                out.extend_from_slice(&a.key.to_be_bytes());
                let num_want = a
                    .num_want
                    .map_or(-1, |n| i32::try_from(n).unwrap_or(i32::MAX));
                out.extend_from_slice(&num_want.to_be_bytes());
                out.extend_from_slice(&a.port.to_be_bytes());
                for chunk in a.url_data.chunks(usize::from(u8::MAX)) {
                    out.push(OPTION_URL_DATA);
                    // `chunks(255)` keeps every length within a byte.
                    out.push(chunk.len() as u8);
                    out.extend_from_slice(chunk);
                }
            }
            Request::Scrape(s) => {
                out.reserve(HEADER_LEN + 20 * s.info_hashes.len());
                out.extend_from_slice(&s.connection_id.0.to_be_bytes());
                out.extend_from_slice(&action::SCRAPE.to_be_bytes());
                out.extend_from_slice(&s.transaction_id.0.to_be_bytes());
                for hash in &s.info_hashes {
                    out.extend_from_slice(&hash.0);
                }
            }
        }
    }
}

/// Reads the announce body after the header; the error is the message for
/// the client.
fn parse_announce(
    connection_id: ConnectionId,
    transaction_id: TransactionId,
    r: &mut Reader<'_>,
) -> Result<AnnounceRequest, &'static str> {
    let too_short = "announce request too short";
    let info_hash = InfoHash(r.array().ok_or(too_short)?);
    let peer_id = PeerId(r.array().ok_or(too_short)?);
    let downloaded = r.u64().ok_or(too_short)?;
    let left = r.u64().ok_or(too_short)?;
    let uploaded = r.u64().ok_or(too_short)?;
    let event = r.u32().ok_or(too_short)?;
    let ip_address = r.u32().ok_or(too_short)?;
    let key = r.u32().ok_or(too_short)?;
    // Signed on the wire; -1 means "default", and no other negative value
    // asks for anything meaningful either.
    let num_want = u32::try_from(r.u32().ok_or(too_short)? as i32).ok();
    let port = r.u16().ok_or(too_short)?;
    Ok(AnnounceRequest {
        connection_id,
        transaction_id,
        info_hash,
        peer_id,
        downloaded,
        left,
        uploaded,
        event: event_from_code(event).ok_or("invalid event")?,
        ip_address,
        key,
        num_want,
        port,
        url_data: read_url_data(r),
    })
}

/// Collects BEP 41 `URLData` options until `EndOfOptions` or the end of the
/// datagram. A truncated option ends parsing without an error and keeps the
/// URL data of the whole options before it: real trackers accept such
/// requests, and the announce itself is intact.
fn read_url_data(r: &mut Reader<'_>) -> UrlData {
    let mut url_data = UrlData::new();
    while let Some(kind) = r.u8() {
        match kind {
            OPTION_END => break,
            OPTION_NOP => {}
            _ => {
                let Some(data) = r.u8().and_then(|len| r.bytes(usize::from(len))) else {
                    break;
                };
                if kind == OPTION_URL_DATA {
                    url_data.extend_from_slice(data);
                }
            }
        }
    }
    url_data
}

/// BEP 15 event codes. Note the order differs from the HTTP names'
/// historical order: 1 is completed, 2 is started.
fn event_from_code(code: u32) -> Option<AnnounceEvent> {
    match code {
        0 => Some(AnnounceEvent::None),
        1 => Some(AnnounceEvent::Completed),
        2 => Some(AnnounceEvent::Started),
        3 => Some(AnnounceEvent::Stopped),
        _ => None,
    }
}

fn event_code(event: AnnounceEvent) -> u32 {
    match event {
        AnnounceEvent::None => 0,
        AnnounceEvent::Completed => 1,
        AnnounceEvent::Started => 2,
        AnnounceEvent::Stopped => 3,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn header(connection_id: u64, action: u32, transaction_id: u32) -> Vec<u8> {
        let mut out = connection_id.to_be_bytes().to_vec();
        out.extend_from_slice(&action.to_be_bytes());
        out.extend_from_slice(&transaction_id.to_be_bytes());
        out
    }

    fn announce(url_data: &[u8]) -> AnnounceRequest {
        AnnounceRequest {
            connection_id: ConnectionId(0x1122_3344_5566_7788),
            transaction_id: TransactionId(7),
            info_hash: InfoHash([0xaa; 20]),
            peer_id: PeerId(*b"-TR4050-abcdefghijkl"),
            downloaded: 1,
            left: 2,
            uploaded: 3,
            event: AnnounceEvent::Started,
            ip_address: 0,
            key: 0xdead_beef,
            num_want: None,
            port: 6881,
            url_data: url_data.into(),
        }
    }

    fn announce_bytes(url_data: &[u8]) -> Vec<u8> {
        let mut out = Vec::new();
        Request::Announce(announce(url_data)).write_to(&mut out);
        out
    }

    fn reply(transaction_id: u32, message: &'static str) -> RequestParseError {
        RequestParseError::Reply {
            transaction_id: TransactionId(transaction_id),
            message,
        }
    }

    #[test]
    fn connect_with_the_magic_is_parsed() {
        let bytes = header(PROTOCOL_ID, 0, 42);
        assert_eq!(
            Request::parse(&bytes),
            Ok(Request::Connect(ConnectRequest {
                transaction_id: TransactionId(42)
            }))
        );
    }

    #[test]
    fn connect_with_the_magic_has_the_bep_15_bytes() {
        assert_eq!(
            PROTOCOL_ID.to_be_bytes(),
            [0, 0, 0x04, 0x17, 0x27, 0x10, 0x19, 0x80]
        );
    }

    #[test]
    fn connect_without_the_magic_is_dropped() {
        assert_eq!(
            Request::parse(&header(0, 0, 42)),
            Err(RequestParseError::Drop)
        );
    }

    #[test]
    fn datagram_shorter_than_the_header_is_dropped() {
        let bytes = header(PROTOCOL_ID, 0, 42);
        for len in 0..HEADER_LEN {
            assert_eq!(Request::parse(&bytes[..len]), Err(RequestParseError::Drop));
        }
    }

    #[test]
    fn unknown_action_is_answered_with_an_error() {
        for action in [3, 4, u32::MAX] {
            assert_eq!(
                Request::parse(&header(1, action, 9)),
                Err(reply(9, "unknown action"))
            );
        }
    }

    #[test]
    fn announce_without_options_is_parsed() {
        let bytes = announce_bytes(b"");
        assert_eq!(bytes.len(), ANNOUNCE_LEN);
        assert_eq!(Request::parse(&bytes), Ok(Request::Announce(announce(b""))));
    }

    #[test]
    fn truncated_announce_is_answered_with_an_error() {
        let bytes = announce_bytes(b"");
        for len in HEADER_LEN..ANNOUNCE_LEN {
            assert_eq!(
                Request::parse(&bytes[..len]),
                Err(reply(7, "announce request too short")),
                "length {len}"
            );
        }
    }

    #[test]
    fn announce_with_an_unknown_event_code_is_answered_with_an_error() {
        let mut bytes = announce_bytes(b"");
        bytes[80..84].copy_from_slice(&4u32.to_be_bytes());
        assert_eq!(Request::parse(&bytes), Err(reply(7, "invalid event")));
    }

    #[test]
    fn announce_event_codes_follow_bep_15() {
        let expected = [
            AnnounceEvent::None,
            AnnounceEvent::Completed,
            AnnounceEvent::Started,
            AnnounceEvent::Stopped,
        ];
        for (code, event) in (0u32..).zip(expected) {
            let mut bytes = announce_bytes(b"");
            bytes[80..84].copy_from_slice(&code.to_be_bytes());
            let Ok(Request::Announce(a)) = Request::parse(&bytes) else {
                panic!("code {code}")
            };
            assert_eq!(a.event, event);
        }
    }

    #[test]
    fn negative_num_want_means_the_default() {
        for wire in [-1i32, -2, i32::MIN] {
            let mut bytes = announce_bytes(b"");
            bytes[92..96].copy_from_slice(&wire.to_be_bytes());
            let Ok(Request::Announce(a)) = Request::parse(&bytes) else {
                panic!()
            };
            assert_eq!(a.num_want, None, "wire {wire}");
        }
        let mut bytes = announce_bytes(b"");
        bytes[92..96].copy_from_slice(&50i32.to_be_bytes());
        let Ok(Request::Announce(a)) = Request::parse(&bytes) else {
            panic!()
        };
        assert_eq!(a.num_want, Some(50));
    }

    #[test]
    fn url_data_options_are_concatenated_around_nops() {
        let mut bytes = announce_bytes(b"");
        bytes.extend_from_slice(b"\x01\x02\x09/announce\x01\x02\x04?a=b\x00\x02\x03bad");
        let Ok(Request::Announce(a)) = Request::parse(&bytes) else {
            panic!()
        };
        assert_eq!(a.url_data.as_slice(), b"/announce?a=b");
    }

    #[test]
    fn unknown_options_are_skipped_by_their_length() {
        let mut bytes = announce_bytes(b"");
        // Type 0x7f with two bytes of data that look like a URLData header.
        bytes.extend_from_slice(b"\x7f\x02\x02\x02\x02\x02/x");
        let Ok(Request::Announce(a)) = Request::parse(&bytes) else {
            panic!()
        };
        assert_eq!(a.url_data.as_slice(), b"/x");
    }

    #[test]
    fn truncated_option_keeps_the_url_data_read_before_it() {
        let mut bytes = announce_bytes(b"/announce");
        bytes.extend_from_slice(b"\x02\x10/pas");
        let Ok(Request::Announce(a)) = Request::parse(&bytes) else {
            panic!()
        };
        assert_eq!(a.url_data.as_slice(), b"/announce");

        bytes.truncate(bytes.len() - 5);
        let Ok(Request::Announce(a)) = Request::parse(&bytes) else {
            panic!()
        };
        assert_eq!(
            a.url_data.as_slice(),
            b"/announce",
            "option type without a length"
        );
    }

    #[test]
    fn long_url_data_is_written_as_several_options() {
        let url = vec![b'x'; 600];
        let bytes = announce_bytes(&url);
        assert_eq!(bytes.len(), ANNOUNCE_LEN + 600 + 3 * 2);
        assert_eq!(
            Request::parse(&bytes),
            Ok(Request::Announce(announce(&url)))
        );
    }

    #[test]
    fn scrape_without_hashes_is_answered_with_an_error() {
        let mut bytes = header(5, 2, 11);
        assert_eq!(
            Request::parse(&bytes),
            Err(reply(11, "scrape request without info-hashes"))
        );
        bytes.extend_from_slice(&[0; 19]);
        assert_eq!(
            Request::parse(&bytes),
            Err(reply(11, "scrape request without info-hashes"))
        );
    }

    #[test]
    fn scrape_ignores_a_partial_trailing_hash() {
        let mut bytes = header(5, 2, 11);
        bytes.extend_from_slice(&[1; 20]);
        bytes.extend_from_slice(&[2; 7]);
        let Ok(Request::Scrape(s)) = Request::parse(&bytes) else {
            panic!()
        };
        assert_eq!(s.info_hashes, vec![InfoHash([1; 20])]);
    }

    #[test]
    fn oversize_scrape_is_cut_to_the_first_hashes() {
        let mut bytes = header(5, 2, 11);
        for i in 0..=MAX_SCRAPE_HASHES + 10 {
            bytes.extend_from_slice(&[i as u8; 20]);
        }
        let Ok(Request::Scrape(s)) = Request::parse(&bytes) else {
            panic!()
        };
        assert_eq!(s.info_hashes.len(), MAX_SCRAPE_HASHES);
        assert_eq!(s.info_hashes[0], InfoHash([0; 20]));
        assert_eq!(s.info_hashes[73], InfoHash([73; 20]));
    }

    #[test]
    fn num_want_above_i32_max_is_clamped_when_written() {
        let mut request = announce(b"");
        request.num_want = Some(u32::MAX);
        let mut bytes = Vec::new();
        Request::Announce(request).write_to(&mut bytes);
        assert_eq!(bytes[92..96], i32::MAX.to_be_bytes());
    }
}
