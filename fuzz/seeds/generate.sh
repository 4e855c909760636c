#!/usr/bin/env bash
# Writes the seed inputs under fuzz/seeds/<target>/. The files are checked
# in; run this again after changing it. Each seed is a valid request or
# document, so the fuzzer starts from inputs that reach past the first checks.
set -euo pipefail
cd "$(dirname "$0")"

# Writes the bytes given as hex digits (whitespace ignored) to a file.
hex() {
    local file=$1 digits
    digits=$(tr -d ' \n' <<<"$2")
    printf "$(sed 's/../\\x&/g' <<<"$digits")" >"$file"
}

mkdir -p bencode_decode udp_request http_query

# A single-file .torrent (BEP 3), canonical: keys sorted, no repeats.
{
    printf 'd8:announce35:http://tracker.example/announce/abc4:info'
    printf 'd6:lengthi1024e4:name5:a.txt12:piece lengthi16384e6:pieces20:'
    printf '\x00\x01\x02\x03\x04\x05\x06\x07\x08\x09\x0a\x0b\x0c\x0d\x0e\x0f\x10\x11\x12\x13'
    printf 'ee'
} >bencode_decode/torrent
# Valid only in lenient mode: unsorted keys, a list, a negative integer.
printf 'd1:bli-3e0:de1:ai0ee' >bencode_decode/unsorted_keys

# BEP 15 header: connection_id u64, action u32, transaction_id u32.
protocol_id=0000041727101980
connection_id=1122334455667788
info_hash=00112233445566778899aabbccddeeff00112233
peer_id=$(printf '%s' '-TR4050-abcdefghijkl' | od -An -tx1 | tr -d ' \n')

hex udp_request/connect "$protocol_id 00000000 0000002a"
# Announce: event 2 (started), num_want -1, port 6881, then BEP 41 options
# URLData "/announce", NOP, URLData "?pk=abc", EndOfOptions.
hex udp_request/announce_bep41 "$connection_id 00000001 0000002b $info_hash $peer_id
    0000000000000000 0000000000000400 0000000000000000 00000002 00000000 deadbeef ffffffff 1ae1
    02 09 $(printf '/announce' | od -An -tx1) 01 02 07 $(printf '?pk=abc' | od -An -tx1) 00"
hex udp_request/scrape "$connection_id 00000002 0000002c $info_hash ${info_hash//0/f}"

printf '%s' 'info_hash=%00%11%22%33DUfw%88%99%aa%bb%cc%dd%ee%ff%00%11%223&peer_id=-TR4050-abcdefghijkl&port=6881&uploaded=0&downloaded=0&left=1024&event=started&numwant=50&compact=1&no_peer_id=1&key=ab%2Bcd&pk=0123abcd' >http_query/announce
printf '%s' 'info_hash=%00%11%22%33DUfw%88%99%aa%bb%cc%dd%ee%ff%00%11%223&info_hash=ffffffffffffffffffff' >http_query/scrape
