#!/usr/bin/python3
"""Run aria2c as one seeder or leecher that finds peers only through trackers.

Speaks the same JSON-lines protocol as lt_peer.py (README.md). aria2c's
console output is buffered, so this wrapper learns what aria2 does from
three other places: an --on-bt-download-complete hook that touches a file,
aria2's debug log (tracker requests and replies, peer handshakes; see
aria2_log.py), and its JSON-RPC interface on loopback (progress, for the
timeout report).

Exit status: 0 after a clean stop, 2 on error (aria2 died, bad torrent,
incomplete seed data), 3 on timeout.
"""

import argparse
import hashlib
import json
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request

sys.dont_write_bytecode = True  # keep __pycache__ out of the source tree
from aria2_log import LogWatcher  # noqa: E402  (beside this script)

EXIT_OK = 0
EXIT_ERROR = 2
EXIT_TIMEOUT = 3

stop_requested = None


# Lines held back until "ready", so that "ready" is always the first line.
held = []
ready_sent = False


def emit(event, **fields):
    global ready_sent
    line = json.dumps(dict(event=event, **fields))
    if not ready_sent and event not in ("ready", "error", "timeout", "stopped"):
        held.append(line)
        return
    lines = [line] + held if event == "ready" else held + [line]
    ready_sent = ready_sent or event == "ready"
    held.clear()
    try:
        sys.stdout.write("".join(x + "\n" for x in lines))
        sys.stdout.flush()
    except BrokenPipeError:
        pass


def parse_args(argv):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--torrent", required=True)
    p.add_argument("--save-dir", required=True)
    p.add_argument("--role", choices=("seed", "leech"), required=True)
    p.add_argument("--listen-ip", default="127.0.0.1",
                   help="source address for tracker and peer connections "
                        "(aria2 still listens on 0.0.0.0)")
    p.add_argument("--timeout", type=float, default=60.0,
                   help="give up after this many seconds; 0 means never")
    p.add_argument("--reannounce-every", type=int, default=2,
                   help="aria2's --bt-tracker-interval, in whole seconds")
    p.add_argument("--completed-wait", type=float, default=10.0,
                   help="leecher: at most this many seconds to wait for the "
                        "tracker to answer the 'completed' announce")
    p.add_argument("--linger", type=float, default=0.0,
                   help="leecher: keep seeding at least this many seconds "
                        "after finishing")
    p.add_argument("--dht-for-udp", action="store_true",
                   help="turn on an isolated DHT (no bootstrap nodes, fresh "
                        "state): aria2 sends udp:// announces only through its "
                        "DHT socket")
    p.add_argument("--peer-id-prefix", default=None,
                   help="aria2's default is A2-1-36-0-")
    p.add_argument("--user-agent", default=None,
                   help="HTTP User-Agent for trackers (default aria2/1.36.0)")
    p.add_argument("--aria2c", default="aria2c")
    p.add_argument("--log-file", default=None,
                   help="keep aria2's debug log here instead of a temp file")
    p.add_argument("--stop-on-stdin-eof", action="store_true",
                   help="stop cleanly when stdin closes: spawn with a piped "
                        "stdin and drop it to stop, no signals needed")
    return p.parse_args(argv)


# -- torrent file ---------------------------------------------------------

def bdecode(data, i=0):
    """Decode one bencoded value at data[i:]; returns (value, end)."""
    c = data[i:i + 1]
    if c == b"i":
        end = data.index(b"e", i)
        return int(data[i + 1:end]), end + 1
    if c == b"l":
        i, items = i + 1, []
        while data[i:i + 1] != b"e":
            v, i = bdecode(data, i)
            items.append(v)
        return items, i + 1
    if c == b"d":
        i, d = i + 1, {}
        while data[i:i + 1] != b"e":
            k, i = bdecode(data, i)
            start = i
            v, i = bdecode(data, i)
            d[k] = v
            if k == b"info":
                d[b"__info_span"] = (start, i)
        return d, i + 1
    colon = data.index(b":", i)
    n = int(data[i:colon])
    return data[colon + 1:colon + 1 + n], colon + 1 + n


class Torrent:
    def __init__(self, path):
        raw = open(path, "rb").read()
        meta, _ = bdecode(raw)
        start, end = meta[b"__info_span"]
        info = meta[b"info"]
        self.info_hash = hashlib.sha1(raw[start:end]).hexdigest()
        self.piece_length = info[b"piece length"]
        self.pieces = info[b"pieces"]
        name = info[b"name"].decode("utf-8")
        if b"files" in info:
            # Pad files (attr "p") are not written to disk.
            self.files = [(os.path.join(name, *(p.decode("utf-8") for p in f[b"path"])),
                           f[b"length"])
                          for f in info[b"files"] if b"p" not in f.get(b"attr", b"")]
        else:
            self.files = [(name, info[b"length"])]

    def missing_pieces(self, save_dir):
        """Number of pieces whose SHA-1 does not match the data in save_dir."""
        total = len(self.pieces) // 20
        buf = b""
        index = bad = 0
        try:
            for rel, length in self.files:
                if os.path.getsize(os.path.join(save_dir, rel)) != length:
                    return total
            for rel, _ in self.files:
                with open(os.path.join(save_dir, rel), "rb") as f:
                    for block in iter(lambda: f.read(self.piece_length), b""):
                        buf += block
                        while len(buf) >= self.piece_length:
                            piece, buf = buf[:self.piece_length], buf[self.piece_length:]
                            bad += self.check(index, piece)
                            index += 1
        except OSError:
            return total
        if buf:
            bad += self.check(index, buf)
        return bad

    def check(self, index, piece):
        return hashlib.sha1(piece).digest() != self.pieces[20 * index:20 * index + 20]


def sha256_of_files(save_dir, files):
    digest = hashlib.sha256()
    for rel, _ in files:
        with open(os.path.join(save_dir, rel), "rb") as f:
            for block in iter(lambda: f.read(1 << 20), b""):
                digest.update(block)
    return digest.hexdigest()


# -- helpers --------------------------------------------------------------

def free_port(kind=socket.SOCK_STREAM, ip="0.0.0.0"):
    """A port the kernel just handed out; aria2 binds it a moment later."""
    with socket.socket(socket.AF_INET, kind) as s:
        s.bind((ip, 0))
        return s.getsockname()[1]


class Rpc:
    def __init__(self, port, secret):
        self.url = "http://127.0.0.1:%d/jsonrpc" % port
        self.token = "token:" + secret

    def call(self, method, *params):
        body = json.dumps({"jsonrpc": "2.0", "id": "w", "method": method,
                           "params": [self.token, *params]}).encode()
        req = urllib.request.Request(self.url, data=body,
                                     headers={"Content-Type": "application/json"})
        with urllib.request.urlopen(req, timeout=2) as resp:
            return json.load(resp)["result"]


class Aria2Peer:
    def __init__(self, args):
        self.args = args
        self.started = time.monotonic()
        self.torrent = Torrent(args.torrent)
        self.save_dir = os.path.abspath(args.save_dir)
        # Beside the save dir rather than in /tmp, so that a test which
        # SIGKILLs this wrapper still cleans up by removing its own temp dir.
        parent = os.path.dirname(self.save_dir)
        os.makedirs(parent, exist_ok=True)
        self.work = tempfile.mkdtemp(prefix=".aria2-peer-", dir=parent)
        self.done_marker = os.path.join(self.work, "complete")
        self.stderr_path = os.path.join(self.work, "aria2.stderr")
        self.log_path = args.log_file or os.path.join(self.work, "aria2.log")
        self.log = LogWatcher(self.log_path, self.started, emit)
        self.proc = None
        self.rpc = None
        self.gid = None
        # completedLength when ready: aria2 reports what it has, not what it
        # received in this run.
        self.had_at_start = 0

    def elapsed(self):
        return round(time.monotonic() - self.started, 3)

    def command(self, listen_port, rpc_port, secret):
        hook = os.path.join(self.work, "on-complete.sh")
        with open(hook, "w") as f:
            f.write('#!/bin/sh\n: > "%s"\n' % self.done_marker)
        os.chmod(hook, 0o755)
        if os.path.exists(self.log_path):
            os.unlink(self.log_path)
        a = self.args
        cmd = [
            a.aria2c,
            "--dir=%s" % self.save_dir,
            "--listen-port=%d" % listen_port,
            "--interface=%s" % a.listen_ip,
            "--disable-ipv6=true",
            "--enable-peer-exchange=false",
            "--bt-enable-lpd=false",
            "--enable-dht6=false",
            "--bt-tracker-interval=%d" % a.reannounce_every,
            # 0.0 means "seed regardless of ratio"; this wrapper stops aria2.
            # Never --seed-time=0: aria2 then quits without announcing
            # 'completed'.
            "--seed-ratio=0.0",
            "--file-allocation=none",
            # Write pieces straight through, so the file is whole on disk
            # when the completion hook runs.
            "--disk-cache=0",
            "--auto-file-renaming=false",
            "--allow-overwrite=true",
            "--on-bt-download-complete=%s" % hook,
            "--enable-rpc=true",
            "--rpc-listen-all=false",
            "--rpc-listen-port=%d" % rpc_port,
            "--rpc-secret=%s" % secret,
            "--stop-with-process=%d" % os.getpid(),
            "--log=%s" % self.log_path,
            "--log-level=debug",
            "--console-log-level=error",
            "--summary-interval=0",
            "--show-console-readout=false",
            "--quiet=true",
        ]
        if a.dht_for_udp:
            cmd += ["--enable-dht=true",
                    "--dht-file-path=%s" % os.path.join(self.work, "dht.dat"),
                    "--dht-listen-port=%d" % free_port(socket.SOCK_DGRAM)]
        else:
            cmd += ["--enable-dht=false"]
        if a.role == "seed":
            cmd += ["--check-integrity=true", "--bt-seed-unverified=true"]
        if a.peer_id_prefix:
            cmd += ["--peer-id-prefix=%s" % a.peer_id_prefix]
        if a.user_agent:
            cmd += ["--user-agent=%s" % a.user_agent]
        cmd.append(os.path.abspath(a.torrent))
        return cmd

    def start(self, deadline):
        if self.args.role == "seed":
            # aria2 would quietly start downloading (and announce as a
            # leecher) instead of failing, so check the data first.
            bad = self.torrent.missing_pieces(self.save_dir)
            if bad:
                return "payload in %s is incomplete: %d of %d pieces missing or bad" % (
                    self.save_dir, bad, len(self.torrent.pieces) // 20)
        os.makedirs(self.save_dir, exist_ok=True)
        secret = secrets.token_hex(16)
        rpc_port = free_port(ip="127.0.0.1")
        cmd = self.command(free_port(), rpc_port, secret)
        # Own process group: a Ctrl-C or group signal meant for this wrapper
        # must not reach aria2 too, because a second SIGINT makes aria2 skip
        # its 'stopped' announce. --stop-with-process covers SIGKILL.
        with open(self.stderr_path, "wb") as stderr:
            self.proc = subprocess.Popen(cmd, stdin=subprocess.DEVNULL,
                                         stdout=subprocess.DEVNULL, stderr=stderr,
                                         start_new_session=True)
        self.rpc = Rpc(rpc_port, secret)
        while True:
            if self.proc.poll() is not None:
                return "aria2c exited with %d during startup: %s" % (
                    self.proc.returncode, self.stderr_tail())
            if stop_requested or (deadline and time.monotonic() > deadline):
                return None
            self.log.poll()
            if self.gid is None:
                try:
                    active = self.rpc.call("aria2.tellActive", ["gid"])
                    if active:
                        self.gid = active[0]["gid"]
                except OSError:
                    pass
            if self.gid is not None and self.log.listen_port is not None:
                if self.args.role == "leech":
                    return None
                st = self.status()
                if st and st.get("seeder") == "true":
                    return None
                if st and st.get("status") in ("error", "complete", "removed"):
                    return "aria2 cannot seed: %s" % st
            time.sleep(0.05)

    def stderr_tail(self):
        with open(self.stderr_path, "rb") as f:
            return f.read()[-500:].decode("utf-8", "replace").strip()

    def status(self):
        try:
            return self.rpc.call("aria2.tellStatus", self.gid, [
                "status", "totalLength", "completedLength", "uploadLength",
                "connections", "numSeeders", "seeder", "errorMessage"])
        except (OSError, ValueError, KeyError):
            return None

    def status_fields(self):
        st = self.status() or {}
        total = int(st.get("totalLength", 0) or 0)
        done = int(st.get("completedLength", 0) or 0)
        return {
            "state": st.get("status", "unknown"),
            "progress": round(done / total, 4) if total else 0.0,
            "num_peers": int(st.get("connections", 0) or 0),
            "num_seeds": int(st.get("numSeeders", 0) or 0),
            "peers_connected": len(self.log.peers),
            "downloaded": max(0, done - self.had_at_start),
            "uploaded": int(st.get("uploadLength", 0) or 0),
            "last_tracker_error": self.log.last_error,
            "t": self.elapsed(),
        }

    def run(self):
        args = self.args
        deadline = time.monotonic() + args.timeout if args.timeout > 0 else None
        err = self.start(deadline)
        if err:
            emit("error", message=err, t=self.elapsed())
            self.stop("error", announce=False)
            return EXIT_ERROR
        if stop_requested is None and deadline and time.monotonic() > deadline:
            emit("timeout", role=args.role, peers=list(self.log.peers.values()),
                 **self.status_fields())
            self.stop("timeout")
            return EXIT_TIMEOUT
        if stop_requested is None:
            st = self.status() or {}
            self.had_at_start = int(st.get("completedLength", 0) or 0)
            emit("ready", role=args.role, ip=args.listen_ip, port=self.log.listen_port,
                 info_hash=self.torrent.info_hash, t=self.elapsed())

        finished_at = None
        answered_before = 0
        while stop_requested is None:
            time.sleep(0.1)
            self.log.poll()
            now = time.monotonic()
            if self.proc.poll() is not None:
                emit("error", message="aria2c exited with %d: %s" % (
                         self.proc.returncode, self.stderr_tail()),
                     last_tracker_error=self.log.last_error, t=self.elapsed())
                self.stop("error", announce=False)
                return EXIT_ERROR
            if args.role == "leech" and finished_at is None \
                    and os.path.exists(self.done_marker):
                finished_at = now
                answered_before = len(self.log.answered)
                emit("finished", sha256=sha256_of_files(self.save_dir, self.torrent.files),
                     peers=list(self.log.peers.values()), **self.status_fields())
            if finished_at is not None:
                since = now - finished_at
                completed_answered = "completed" in self.log.answered[answered_before:]
                if since >= args.linger and (completed_answered or since >= args.completed_wait):
                    break
            elif deadline and now > deadline:
                emit("timeout", role=args.role, peers=list(self.log.peers.values()),
                     **self.status_fields())
                self.stop("timeout")
                return EXIT_TIMEOUT
        self.stop(stop_requested or "done")
        return EXIT_OK

    def stop(self, reason, announce=True):
        """SIGINT is aria2's graceful shutdown: it announces 'stopped' first."""
        final = self.status_fields() if self.gid is not None and self.proc.poll() is None else {}
        answered_before = len(self.log.answered)
        if self.proc is not None and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGINT)
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.log.poll()
        if self.log.reply_peers is not None:
            self.log.finish_reply()
        if self.log.pending_error is not None:
            self.log.finish_error()
        final.pop("last_tracker_error", None)
        final["t"] = self.elapsed()
        final["peers_connected"] = len(self.log.peers)
        if announce:
            emit("stopped", reason=reason,
                 stopped_answered="stopped" in self.log.answered[answered_before:],
                 peers=list(self.log.peers.values()), **final)
        shutil.rmtree(self.work, ignore_errors=True)


def stop_at_stdin_eof():
    global stop_requested
    while sys.stdin.buffer.read(4096):
        pass
    stop_requested = stop_requested or "stdin-eof"


def main(argv):
    args = parse_args(argv)

    def on_signal(signum, _frame):
        global stop_requested
        stop_requested = signal.Signals(signum).name

    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)
    if args.stop_on_stdin_eof:
        threading.Thread(target=stop_at_stdin_eof, daemon=True).start()
    peer = None
    try:
        peer = Aria2Peer(args)
        return peer.run()
    except Exception as e:  # a harness bug must still end with a JSON line
        emit("error", message="%s: %s" % (type(e).__name__, e))
        if peer is not None:
            if peer.proc is not None and peer.proc.poll() is None:
                peer.proc.kill()
            shutil.rmtree(peer.work, ignore_errors=True)
        raise


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
