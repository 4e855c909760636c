#!/usr/bin/python3
"""Write a random payload file and a v1 .torrent for it.

Prints one JSON line on stdout:
  {"torrent": PATH, "payload": PATH, "sha256": HEX, "info_hash": HEX,
   "size": BYTES, "piece_length": BYTES, "num_pieces": N}

The torrent is BitTorrent v1 only: libtorrent 2.0 makes hybrid v1+v2
torrents by default, and a hybrid torrent is announced twice, once per info
hash (the v2 one truncated to 20 bytes).
"""

import argparse
import hashlib
import json
import os
import sys

import libtorrent as lt

CHUNK = 1 << 20


def parse_args(argv):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("out_dir")
    p.add_argument("--size-mib", type=float, default=20.0)
    p.add_argument("--tracker", action="append", required=True,
                   help="announce URL; repeat for more, each in its own tier")
    p.add_argument("--name", default="payload.bin")
    p.add_argument("--piece-kib", type=int, default=256)
    p.add_argument("--private", action="store_true",
                   help="set the info dict's private flag (BEP 27)")
    p.add_argument("--comment", default=None)
    return p.parse_args(argv)


def write_random_file(path, size):
    digest = hashlib.sha256()
    with open(path, "wb") as f:
        left = size
        while left > 0:
            block = os.urandom(min(CHUNK, left))
            digest.update(block)
            f.write(block)
            left -= len(block)
    return digest.hexdigest()


def main(argv):
    args = parse_args(argv)
    out_dir = os.path.abspath(args.out_dir)
    os.makedirs(out_dir, exist_ok=True)
    payload = os.path.join(out_dir, args.name)
    torrent_path = payload + ".torrent"
    size = int(args.size_mib * 1024 * 1024)
    if size <= 0:
        sys.exit("--size-mib must be positive")

    sha256 = write_random_file(payload, size)

    fs = lt.file_storage()
    lt.add_files(fs, payload)
    ct = lt.create_torrent(fs, args.piece_kib * 1024, flags=lt.create_torrent.v1_only)
    for tier, url in enumerate(args.tracker):
        ct.add_tracker(url, tier)
    ct.set_creator("swarmgate test harness")
    if args.comment:
        ct.set_comment(args.comment)
    if args.private:
        ct.set_priv(True)
    # Piece hashes are read relative to the directory holding the payload.
    lt.set_piece_hashes(ct, out_dir)
    with open(torrent_path, "wb") as f:
        f.write(lt.bencode(ct.generate()))

    info = lt.torrent_info(torrent_path)
    print(json.dumps({
        "torrent": torrent_path,
        "payload": payload,
        "sha256": sha256,
        "info_hash": str(info.info_hashes().v1),
        "size": size,
        "piece_length": info.piece_length(),
        "num_pieces": info.num_pieces(),
    }), flush=True)


if __name__ == "__main__":
    main(sys.argv[1:])
