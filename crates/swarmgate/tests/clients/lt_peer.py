#!/usr/bin/python3
"""One libtorrent peer (seeder or leecher) that finds others only through trackers.

Run with /usr/bin/python3: Debian's python3-libtorrent is installed for that
interpreter only. Every line on stdout is one JSON object with an "event"
key, flushed as soon as it is written; README.md describes the protocol.

Exit status: 0 after a clean stop (the leecher finished, or the seeder got
SIGTERM/SIGINT), 2 on a setup, storage or checking error, 3 on timeout.
"""

import argparse
import hashlib
import json
import os
import signal
import sys
import threading
import time

import libtorrent as lt

EXIT_OK = 0
EXIT_ERROR = 2
EXIT_TIMEOUT = 3

# libtorrent's event_t, as sent to trackers.
ANNOUNCE_EVENTS = {0: "none", 1: "completed", 2: "started", 3: "stopped", 4: "paused"}

# libtorrent's errors::self_connection: we dialled our own listen socket,
# which happens whenever a tracker hands a peer its own address back.
SELF_CONNECTION = 47

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
                   help="address to listen on and to connect to trackers and "
                        "peers from (any 127.0.0.x works on Linux)")
    p.add_argument("--timeout", type=float, default=60.0,
                   help="give up after this many seconds; 0 means never")
    p.add_argument("--reannounce-every", type=float, default=2.0,
                   help="force a re-announce this often (seeder always, "
                        "leecher until finished); 0 disables")
    p.add_argument("--seed-mode", action="store_true",
                   help="seeder trusts the data instead of checking it first")
    p.add_argument("--completed-wait", type=float, default=5.0,
                   help="leecher: at most this many seconds to wait for the "
                        "trackers to answer the 'completed' announce")
    p.add_argument("--linger", type=float, default=0.0,
                   help="leecher: keep seeding at least this many seconds "
                        "after finishing")
    p.add_argument("--peer-fingerprint", default=None,
                   help="peer id prefix (libtorrent's default is -LT2080-)")
    p.add_argument("--user-agent", default=None,
                   help="HTTP User-Agent for trackers (default libtorrent/2.0.8.0)")
    p.add_argument("--ssrf-mitigation", action="store_true",
                   help="keep libtorrent's SSRF mitigation on; see README.md")
    p.add_argument("--progress-every", type=float, default=0.0,
                   help="emit a progress event this often; 0 disables")
    p.add_argument("--upload-limit-kib", type=int, default=0,
                   help="cap this torrent's upload rate (KiB/s; 0: none), "
                        "to make a transfer last long enough to interrupt")
    p.add_argument("--stop-on-stdin-eof", action="store_true",
                   help="stop cleanly when stdin closes: spawn with a piped "
                        "stdin and drop it to stop, no signals needed")
    return p.parse_args(argv)


def session_settings(args):
    settings = {
        "listen_interfaces": "%s:0" % args.listen_ip,
        "outgoing_interfaces": args.listen_ip,
        "enable_dht": False,
        "enable_lsd": False,
        "enable_upnp": False,
        "enable_natpmp": False,
        # TCP only: uTP to a TCP-only peer costs a 3 s timeout per attempt.
        "enable_incoming_utp": False,
        "enable_outgoing_utp": False,
        # Every peer shares the loopback address.
        "allow_multiple_connections_per_ip": True,
        "announce_to_all_trackers": True,
        "announce_to_all_tiers": True,
        "ssrf_mitigation": bool(args.ssrf_mitigation),
        "stop_tracker_timeout": 2,
        "alert_mask": (lt.alert_category.error | lt.alert_category.status
                       | lt.alert_category.tracker | lt.alert_category.connect
                       | lt.alert_category.peer | lt.alert_category.storage
                       | lt.alert_category.block_progress | lt.alert_category.upload),
    }
    if args.peer_fingerprint:
        settings["peer_fingerprint"] = args.peer_fingerprint
    if args.user_agent:
        settings["user_agent"] = args.user_agent
    return settings


def state_name(status):
    return str(status.state).rsplit(".", 1)[-1]


def client_prefix(pid):
    """The first 8 bytes of a peer id, e.g. -LT2080- or A2-1-36-0."""
    return pid.to_bytes()[:8].decode("latin-1")


def sha256_of_payload(info, save_dir):
    """SHA-256 of the torrent's files concatenated in torrent order."""
    digest = hashlib.sha256()
    files = info.files()
    for i in range(files.num_files()):
        if files.file_flags(i) & lt.file_storage.flag_pad_file:
            continue
        with open(os.path.join(save_dir, files.file_path(i)), "rb") as f:
            for block in iter(lambda: f.read(1 << 20), b""):
                digest.update(block)
    return digest.hexdigest()


class Peer:
    def __init__(self, args):
        self.args = args
        self.started = time.monotonic()
        self.info = lt.torrent_info(args.torrent)
        self.session = lt.session(session_settings(args))
        self.handle = None
        self.port = None
        self.fatal = None
        self.checked = False
        self.finished = False
        # Per tracker URL: the last announce event sent, and the events the
        # tracker has answered (with a reply or an error).
        self.last_announce = {}
        self.answered = {}
        self.replied = {}
        self.last_tracker_error = None
        # Remote peers that completed a handshake: dialled ones by address,
        # others by peer id (libtorrent 2.0 picks a fresh peer id for every
        # connection). None is the negative control: the tracker introduced
        # nobody.
        self.peers = {}
        self.own_ids = set()
        self.dialled = set()

    def elapsed(self):
        return round(time.monotonic() - self.started, 3)

    # -- alerts -----------------------------------------------------------

    def pump(self, wait_ms=100):
        # Not session.wait_for_alert: the binding wraps the alert pointer it
        # returns while libtorrent's thread may be growing the alert queue
        # under it, and with block alerts on that crashed the driver
        # (SIGSEGV in wait_for_alert's caller, about one run in ten of the
        # kill -9 test). pop_alerts hands over alerts that stay put until
        # the next pop.
        if wait_ms:
            time.sleep(wait_ms / 1000)
        for a in self.session.pop_alerts():
            self.on_alert(a)
        if self.handle is not None:
            for p in self.handle.get_peer_info():
                self.see_peer(p.pid, p.ip)

    def on_alert(self, a):
        if isinstance(a, lt.listen_succeeded_alert):
            if a.socket_type == lt.socket_type_t.tcp and self.port is None:
                self.port = a.port
        elif isinstance(a, lt.listen_failed_alert):
            if a.socket_type == lt.socket_type_t.tcp:
                self.fatal = "listen on %s failed: %s" % (self.args.listen_ip, a.message())
        elif isinstance(a, lt.tracker_announce_alert):
            kind = ANNOUNCE_EVENTS.get(int(a.event), str(a.event))
            self.last_announce[a.url] = kind
            self.answered.setdefault(a.url, set())
            emit("tracker_announce", url=a.url, announce=kind, t=self.elapsed())
        elif isinstance(a, lt.tracker_reply_alert):
            self.mark_answered(a.url)
            self.replied[a.url] = True
            emit("tracker_reply", url=a.url, peers=a.num_peers,
                 announce=self.last_announce.get(a.url), t=self.elapsed())
        elif isinstance(a, lt.tracker_error_alert):
            self.mark_answered(a.url)
            self.last_tracker_error = {
                "url": a.url,
                "message": a.error_message() or a.error.message(),
                "failure_reason": a.failure_reason(),
                "status_code": a.status_code,
            }
            emit("tracker_error", announce=self.last_announce.get(a.url),
                 times_in_row=a.times_in_row, t=self.elapsed(),
                 **self.last_tracker_error)
        elif isinstance(a, lt.tracker_warning_alert):
            emit("tracker_warning", url=a.url, message=a.message(), t=self.elapsed())
        elif isinstance(a, lt.peer_connect_alert):
            # The binding lacks the alert's direction field; its message
            # says "outgoing connection" or "incoming connection".
            if "outgoing" in a.message():
                self.dialled.add(tuple(a.endpoint))
        elif isinstance(a, lt.peer_disconnected_alert):
            if a.error.value() == SELF_CONNECTION and a.error.category().name() == "libtorrent":
                self.own_ids.add(str(a.pid))
                for key in [k for k, p in self.peers.items() if p["peer_id"] == str(a.pid)]:
                    del self.peers[key]
            else:
                self.see_peer(a.pid, a.endpoint)
        elif isinstance(a, lt.block_finished_alert):
            self.see_peer(a.pid, a.endpoint, downloaded_block=True)
        elif isinstance(a, lt.block_uploaded_alert):
            self.see_peer(a.pid, a.endpoint, uploaded_block=True)
        elif isinstance(a, lt.torrent_checked_alert):
            self.checked = True
        elif isinstance(a, lt.torrent_finished_alert):
            self.finished = True
        elif isinstance(a, (lt.torrent_error_alert, lt.file_error_alert)):
            self.fatal = a.message()

    def mark_answered(self, url):
        kind = self.last_announce.get(url)
        if kind is not None:
            self.answered.setdefault(url, set()).add(kind)

    def all_trackers_answered(self, kind, urls=None):
        urls = self.answered.keys() if urls is None else urls
        return bool(urls) and all(kind in self.answered.get(url, ()) for url in urls)

    def trackers_that_replied(self):
        """Trackers that accepted an announce: the ones worth waiting for, since
        libtorrent sends 'stopped' only to those."""
        return [url for url in self.answered if self.replied.get(url)]

    def see_peer(self, pid, endpoint, downloaded_block=False, uploaded_block=False):
        if pid.is_all_zeros():
            return  # no handshake yet
        if str(pid) in self.own_ids:
            return
        ip, port = endpoint[0], endpoint[1]
        outgoing = (ip, port) in self.dialled
        key = "%s:%d" % (ip, port) if outgoing else str(pid)
        peer = self.peers.get(key)
        if peer is None:
            peer = self.peers[key] = {
                "peer_id": str(pid), "client": client_prefix(pid),
                "ip": ip, "port": port,
                "direction": "outgoing" if outgoing else "incoming",
                "blocks_down": 0, "blocks_up": 0,
            }
            emit("peer", t=self.elapsed(), **{k: peer[k] for k in (
                "peer_id", "client", "ip", "port", "direction")})
        if downloaded_block:
            peer["blocks_down"] += 1
        if uploaded_block:
            peer["blocks_up"] += 1

    # -- phases -----------------------------------------------------------

    def start(self):
        deadline = time.monotonic() + 10
        while self.port is None and self.fatal is None and time.monotonic() < deadline:
            self.pump()
        if self.port is None:
            self.port = self.session.listen_port() or None
        if self.port is None:
            return self.fatal or "no listen socket on %s" % self.args.listen_ip

        atp = lt.add_torrent_params()
        atp.ti = self.info
        atp.save_path = os.path.abspath(self.args.save_dir)
        flags = atp.flags & ~lt.torrent_flags.paused & ~lt.torrent_flags.auto_managed
        flags |= (lt.torrent_flags.disable_dht | lt.torrent_flags.disable_lsd
                  | lt.torrent_flags.disable_pex)
        if self.args.role == "seed" and self.args.seed_mode:
            flags |= lt.torrent_flags.seed_mode
        atp.flags = flags
        os.makedirs(atp.save_path, exist_ok=True)
        self.handle = self.session.add_torrent(atp)
        if self.args.upload_limit_kib > 0:
            # A per-torrent limit applies to local peers too (the session's
            # local peer class exempts them from global limits only).
            self.handle.set_upload_limit(self.args.upload_limit_kib * 1024)
        return None

    def wait_until_seeding(self, deadline):
        """Seeder: let libtorrent check the data; all of it must be there."""
        while stop_requested is None and self.fatal is None:
            st = self.handle.status()
            if st.is_seeding:
                return None
            if self.checked:
                return "payload in %s is incomplete: progress %.4f after check" % (
                    self.args.save_dir, st.progress)
            if deadline and time.monotonic() > deadline:
                return None  # the caller reports a timeout
            self.pump()
        return self.fatal

    def reannounce(self):
        self.handle.force_reannounce(0, -1, lt.reannounce_flags_t.ignore_min_interval)

    def status_fields(self):
        st = self.handle.status()
        return {
            "state": state_name(st),
            "progress": round(st.progress, 4),
            "num_peers": st.num_peers,
            "num_seeds": st.num_seeds,
            "peers_connected": len(self.peers),
            "downloaded": st.total_payload_download,
            "uploaded": st.total_payload_upload,
            "last_tracker_error": self.last_tracker_error,
            "t": self.elapsed(),
        }

    def run(self):
        args = self.args
        deadline = time.monotonic() + args.timeout if args.timeout > 0 else None

        err = self.start()
        if err:
            emit("error", message=err, t=self.elapsed())
            return EXIT_ERROR
        if args.role == "seed":
            err = self.wait_until_seeding(deadline)
            if err:
                emit("error", message=err, **self.status_fields())
                return EXIT_ERROR
            if stop_requested is None and not self.handle.status().is_seeding:
                emit("timeout", role=args.role, **self.status_fields())
                self.stop("timeout")
                return EXIT_TIMEOUT
        emit("ready", role=args.role, ip=args.listen_ip, port=self.port,
             info_hash=str(self.info.info_hashes().v1), t=self.elapsed())

        next_reannounce = time.monotonic() + args.reannounce_every
        next_progress = time.monotonic() + args.progress_every
        finished_at = None
        while stop_requested is None:
            self.pump()
            now = time.monotonic()
            if self.fatal:
                emit("error", message=self.fatal, **self.status_fields())
                self.stop("error")
                return EXIT_ERROR
            if args.role == "leech" and finished_at is None:
                if self.finished or self.handle.status().is_seeding:
                    finished_at = now
                    self.pump(0)  # count the last blocks' alerts
                    emit("finished", sha256=sha256_of_payload(self.info, args.save_dir),
                         peers=list(self.peers.values()), **self.status_fields())
            if finished_at is not None and self.leech_done(now - finished_at):
                break
            if deadline and now > deadline and finished_at is None:
                emit("timeout", role=args.role, peers=list(self.peers.values()),
                     **self.status_fields())
                self.stop("timeout")
                return EXIT_TIMEOUT
            if args.reannounce_every > 0 and now >= next_reannounce:
                if args.role == "seed" or finished_at is None:
                    self.reannounce()
                next_reannounce = now + args.reannounce_every
            if args.progress_every > 0 and now >= next_progress:
                emit("progress", **self.status_fields())
                next_progress = now + args.progress_every
        self.stop(stop_requested or "done")
        return EXIT_OK

    def leech_done(self, since_finish):
        """After finishing, wait for the 'completed' answers and any --linger."""
        if since_finish < self.args.linger:
            return False
        return (since_finish >= self.args.completed_wait
                or self.all_trackers_answered("completed", self.trackers_that_replied()))

    def stop(self, reason):
        """Pause, which makes libtorrent send 'stopped' to every tracker, and
        give the trackers a moment to answer."""
        urls = self.trackers_that_replied()
        if self.handle is not None:
            self.handle.pause()
            deadline = time.monotonic() + 3
            while urls and time.monotonic() < deadline \
                    and not self.all_trackers_answered("stopped", urls):
                self.pump()
            final = self.status_fields()
        else:
            final = {"t": self.elapsed()}
        final.pop("last_tracker_error", None)
        emit("stopped", reason=reason,
             stopped_answered=self.all_trackers_answered("stopped", urls),
             peers=list(self.peers.values()), **final)


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
    try:
        return Peer(args).run()
    except Exception as e:  # a harness bug must still end with a JSON line
        emit("error", message="%s: %s" % (type(e).__name__, e))
        raise


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
