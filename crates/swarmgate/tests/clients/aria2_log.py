"""Reads aria2c's debug log as it grows and reports what aria2 did.

aria2c 1.36 has no machine-readable event stream for tracker traffic or
peer handshakes, and its console output is buffered, so aria2_peer.py
follows the log file (--log-level=debug) instead. The line shapes below
come from aria2's sources (HttpConnection.cc, DefaultBtAnnounce.cc,
UDPTrackerClient.cc, DefaultBtInteractive.cc); a new aria2 release may need
them updated.
"""

import re
import time
import urllib.parse


class LogWatcher:
    """Follows aria2's debug log and turns the interesting lines into events.

    Log shapes (aria2 1.36), one request/reply cycle:
      [INFO] [HttpConnection.cc:128] CUID#13 - Requesting:
      GET /announce?info_hash=...&event=started&... HTTP/1.1
      Host: 127.0.0.1:6969
      [DEBUG] [DefaultBtAnnounce.cc:294] Now processing tracker response.
      [DEBUG] [DefaultPeerStorage.cc:138] Adding peer 127.0.0.1:40001
      [INFO] [DefaultBtAnnounce.cc:353] No peers6 received.
    or, when the tracker refuses:
      [ERROR] [TrackerWatcherCommand.cc:130] GID#.. - Tracker request URL failed
      Exception: [DefaultBtAnnounce.cc:303] errorCode=1 Tracker returned failure reason: ...
    and per peer:
      [INFO] ... CUID#15 - From: 127.0.0.1:46455 handshake peerId=-LT2080-...
    """

    STAMP = re.compile(r"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d+ \[(\w+)\] \[([\w.]+):\d+\] (.*)$")
    UDP = re.compile(r"^UDPT (sent|received|resend|timeout|fail) (ANNOUNCE|CONNECT|ERROR)"
                     r"(?: reply)? (?:to|from) ([\d.]+):(\d+)")
    TRACKER_URI = re.compile(r"((?:https?|udp)://[^\s?]+)\?(\S*info_hash=\S*)")
    HANDSHAKE = re.compile(r"CUID#\d+ - (From|To): ([\d.]+):(\d+) handshake peerId=(\S+),")
    LISTEN = re.compile(r"IPv4 BitTorrent: listening on TCP port (\d+)")
    ADDING = re.compile(r"^Adding (?:peer )?([\d.]+):(\d+)")

    def __init__(self, path, started, emit):
        self.path = path
        self.started = started
        self.emit = emit
        self.offset = 0
        self.partial = b""
        self.listen_port = None
        self.expect = None  # what the next unstamped line should be
        self.pending_get = None
        self.last_announce = None
        self.last_url = None
        self.reply_peers = None
        self.reply_confirmed = False
        self.answered = []  # announce kinds the tracker answered, in order
        self.pending_error = None
        self.last_error = None
        self.own_peer_id = None
        self.peers = {}
        self.dialled = set()

    def elapsed(self):
        return round(time.monotonic() - self.started, 3)

    def poll(self):
        try:
            with open(self.path, "rb") as f:
                f.seek(self.offset)
                chunk = f.read()
        except FileNotFoundError:
            return
        self.offset += len(chunk)
        data = self.partial + chunk
        lines = data.split(b"\n")
        self.partial = lines.pop()
        for line in lines:
            self.on_line(line.decode("utf-8", "replace").rstrip("\r"))

    def on_line(self, line):
        m = self.STAMP.match(line)
        if m is None:
            self.on_continuation(line)
            return
        level, source, text = m.groups()
        if self.reply_peers is not None:
            if source in ("DefaultBtAnnounce.cc", "DefaultPeerStorage.cc"):
                # Anything logged after the failure-reason check means the
                # tracker accepted the announce.
                self.reply_confirmed = True
            elif self.reply_confirmed:
                self.finish_reply()
        if self.pending_error is not None:
            self.finish_error()
        self.expect = None
        if source == "HttpConnection.cc" and text.endswith("- Requesting:"):
            self.expect = "request"
        elif source == "DefaultBtAnnounce.cc" and text.startswith("Now processing tracker response"):
            if self.reply_peers is not None:
                self.finish_reply()
            self.reply_peers = 0
            self.reply_confirmed = False
        elif source == "DefaultPeerStorage.cc" and self.reply_peers is not None \
                and self.ADDING.match(text):
            self.reply_peers += 1
        elif level == "ERROR" and (em := self.TRACKER_URI.search(text)) is not None:
            url, query = em.groups()
            params = dict(kv.partition("=")[::2] for kv in query.split("&"))
            self.pending_error = {"url": url, "announce": params.get("event", "none"),
                                  "lines": [text]}
            self.reply_peers = None  # the response being processed was a refusal
            self.expect = "exception"
        elif source == "UDPTrackerClient.cc" and (um := self.UDP.match(text)) is not None:
            self.on_udp(text, *um.groups())
        elif (hm := self.HANDSHAKE.search(text)) is not None:
            self.on_handshake(*hm.groups())
        elif source == "PeerInitiateConnectionCommand.cc":
            cm = re.search(r"Connecting to ([\d.]+):(\d+)", text)
            if cm:
                self.dialled.add((cm.group(1), int(cm.group(2))))
        elif (lm := self.LISTEN.search(text)) is not None:
            self.listen_port = int(lm.group(1))

    def on_continuation(self, line):
        if self.expect == "request" and line.startswith("GET "):
            target = line.split(" ")[1]
            if "info_hash=" in target:
                path, _, query = target.partition("?")
                params = dict(kv.partition("=")[::2] for kv in query.split("&"))
                kind = params.get("event", "none")
                self.own_peer_id = urllib.parse.unquote_to_bytes(params.get("peer_id", ""))
                self.pending_get = (path, kind)
            self.expect = "host"
        elif self.expect == "host" and line.startswith("Host: "):
            if self.pending_get is not None:
                path, kind = self.pending_get
                self.pending_get = None
                self.last_announce = kind
                self.last_url = "http://%s%s" % (line[6:].strip(), path)
                self.emit("tracker_announce", url=self.last_url, announce=kind, t=self.elapsed())
            self.expect = None
        elif self.expect == "exception" and line.lstrip().startswith(("Exception:", "->")):
            self.pending_error["lines"].append(line)

    def on_udp(self, text, verb, action, host, port):
        """UDP tracker traffic, which aria2 runs on its DHT socket (BEP 15)."""
        url = "udp://%s:%s" % (host, port)
        field = dict(re.findall(r"(\w+)=([^,]*)", text))
        if verb == "sent" and action == "ANNOUNCE":
            self.last_announce = field.get("event", "none").lower()
            self.last_url = url
            self.emit("tracker_announce", url=url, announce=self.last_announce, t=self.elapsed())
        elif verb == "received" and action == "ANNOUNCE":
            self.answered.append(self.last_announce)
            self.emit("tracker_reply", url=url, peers=int(field.get("num_peers", 0)),
                 announce=self.last_announce, t=self.elapsed())
        elif (verb == "received" and action == "ERROR") or verb in ("timeout", "fail"):
            message = field.get("error_string") or "%s %s" % (verb, action)
            self.answered.append(self.last_announce)
            self.last_error = {"url": url, "message": message,
                               "failure_reason": field.get("error_string")}
            self.emit("tracker_error", announce=self.last_announce, t=self.elapsed(),
                 **self.last_error)

    def finish_reply(self):
        self.answered.append(self.last_announce)
        self.emit("tracker_reply", url=self.last_url, peers=self.reply_peers,
             announce=self.last_announce, t=self.elapsed())
        self.reply_peers = None

    def finish_error(self):
        """The innermost cause is the last line, e.g.
        '  -> [File.cc:87] errorCode=1 udp is not supported yet.'"""
        pending, self.pending_error = self.pending_error, None
        self.expect = None
        message = re.sub(r"^\s*(?:Exception:|->)?\s*(?:\[[\w.]+:\d+\]\s*)?(?:errorCode=\d+\s*)?",
                         "", pending["lines"][-1])
        reason = None
        if "failure reason: " in message:
            reason = message.split("failure reason: ", 1)[1]
        self.answered.append(pending["announce"])
        self.last_error = {"url": pending["url"], "message": message,
                           "failure_reason": reason}
        self.emit("tracker_error", announce=pending["announce"], t=self.elapsed(),
             **self.last_error)

    def on_handshake(self, direction, ip, port, peer_id):
        peer_id = urllib.parse.unquote_to_bytes(peer_id)
        if direction == "To" or peer_id == self.own_peer_id:
            return
        port = int(port)
        outgoing = (ip, port) in self.dialled
        # Dialled peers are known by their listen address; libtorrent 2.0
        # picks a fresh peer id for every connection.
        key = "%s:%d" % (ip, port) if outgoing else peer_id.hex()
        if key not in self.peers:
            self.peers[key] = {
                "peer_id": peer_id.hex(),
                "client": peer_id[:8].decode("latin-1"),
                "ip": ip, "port": port,
                "direction": "outgoing" if outgoing else "incoming",
            }
            self.emit("peer", t=self.elapsed(), **self.peers[key])
