#!/usr/bin/env python3
"""A small HTTP/1.1 file server for cairn's integration tests.

Serves a directory on 127.0.0.1 (a free port chosen by the kernel, printed
on stdout as the first line once the socket listens), with what a Debian
mirror does and what the tests need to break on purpose:

  * GET and HEAD, keep-alive, Content-Length always set.
  * Range requests ("bytes=N-", "bytes=N-M", "bytes=-N") answered with 206
    and Content-Range; a range past the end gets 416.
  * Faults, read from the control file (JSON) before every request:
        {"faults": [{"id": 1, "path": "/debian/pool/…", "kind": "status",
                     "status": 500, "count": 2}, …]}
    path "" matches every request; count is how many matching requests the
    fault applies to (the server remembers what is used up, per id).
    kinds:
      status        answer with `status` and a short body
      cut           send the headers of the whole response, then `after`
                    bytes of body, then close the connection
      ignore_range  answer 200 with the whole file even to a Range request
      delay         wait `seconds` before answering normally
      stall         send `after` bytes, then wait `seconds`, then close
  * A request log: one JSON line per request, written before the answer
    ({"method", "path", "range", "inflight"}), so that a client that has
    seen an answer also sees the log line. `inflight` counts requests being
    answered at that moment, this one included.

Usage: http_server.py --root DIR --control FILE --log FILE
"""

import argparse
import http.server
import json
import os
import socketserver
import sys
import threading
import time
import urllib.parse


class State:
    def __init__(self, control, log):
        self.control = control
        self.log_path = log
        self.lock = threading.Lock()
        self.used = {}  # fault id -> times applied
        self.inflight = 0
        self.log = open(log, "a", buffering=1)

    def faults(self):
        try:
            with open(self.control) as f:
                return json.load(f).get("faults", [])
        except (OSError, ValueError):
            return []

    def take_fault(self, path):
        """The first fault that matches `path` and is not used up; marks it used."""
        with self.lock:
            for fault in self.faults():
                if fault.get("path", "") not in ("", path):
                    continue
                fid = fault["id"]
                if self.used.get(fid, 0) >= fault.get("count", 1):
                    continue
                self.used[fid] = self.used.get(fid, 0) + 1
                return fault
        return None

    def begin(self, method, path, range_header):
        with self.lock:
            self.inflight += 1
            entry = {"method": method, "path": path, "range": range_header or "",
                     "inflight": self.inflight}
            self.log.write(json.dumps(entry) + "\n")
            self.log.flush()

    def end(self):
        with self.lock:
            self.inflight -= 1


def parse_range(header, size):
    """(start, end) inclusive for a single byte range, None to ignore it,
    or "unsatisfiable"."""
    if not header or not header.startswith("bytes=") or "," in header:
        return None
    first, _, last = header[len("bytes="):].strip().partition("-")
    try:
        if first == "":
            n = int(last)
            if n == 0:
                return "unsatisfiable"
            return (max(0, size - n), size - 1)
        start = int(first)
        end = int(last) if last else size - 1
    except ValueError:
        return None
    if start >= size or end < start:
        return "unsatisfiable"
    return (start, min(end, size - 1))


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "cairn-test"
    # Headers and body go out in separate writes; with Nagle's algorithm
    # the body would wait for the client's delayed ACK (40 ms a file).
    disable_nagle_algorithm = True

    def log_message(self, format, *args):  # quiet: the JSON log is the record
        pass

    def do_HEAD(self):
        self.answer(head=True)

    def do_GET(self):
        self.answer(head=False)

    def answer(self, head):
        state = self.server.state
        path = urllib.parse.unquote(urllib.parse.urlsplit(self.path).path)
        range_header = self.headers.get("Range")
        state.begin(self.command, path, range_header)
        try:
            self.respond(state, path, range_header, head)
        except (BrokenPipeError, ConnectionResetError):
            self.close_connection = True
        finally:
            state.end()

    def send_simple(self, status, text, head):
        body = (text + "\n").encode()
        self.send_response(status)
        self.send_header("Content-Type", "text/plain")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if not head:
            self.wfile.write(body)

    def respond(self, state, path, range_header, head):
        fault = state.take_fault(path)
        kind = fault["kind"] if fault else None
        if kind == "status":
            status = fault.get("status", 500)
            self.send_simple(status, "fault injected by the test", head)
            return
        if kind == "delay":
            time.sleep(fault.get("seconds", 1))

        root = self.server.root
        full = os.path.realpath(os.path.join(root, path.lstrip("/")))
        if not (full == root or full.startswith(root + os.sep)) or not os.path.isfile(full):
            self.send_simple(404, "not found", head)
            return
        size = os.path.getsize(full)
        start, end, status = 0, size - 1, 200
        if kind != "ignore_range":
            r = parse_range(range_header, size)
            if r == "unsatisfiable":
                self.send_response(416)
                self.send_header("Content-Range", "bytes */%d" % size)
                self.send_header("Content-Length", "0")
                self.end_headers()
                return
            if r is not None:
                start, end = r
                status = 206
        length = end - start + 1 if size else 0

        self.send_response(status)
        self.send_header("Content-Type", "application/octet-stream")
        self.send_header("Content-Length", str(length))
        self.send_header("Accept-Ranges", "bytes")
        if status == 206:
            self.send_header("Content-Range", "bytes %d-%d/%d" % (start, end, size))
        self.end_headers()
        if head:
            return
        with open(full, "rb") as f:
            if kind in ("cut", "stall"):
                f.seek(start)
                self.wfile.write(f.read(min(fault.get("after", 0), length)))
                if kind == "stall":
                    time.sleep(fault.get("seconds", 5))
                self.close_connection = True
                return
            sent = 0
            while sent < length:
                n = self.connection.sendfile(f, start + sent, length - sent)
                if n == 0:
                    break
                sent += n


class Server(socketserver.ThreadingMixIn, http.server.HTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 128


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--root", required=True)
    parser.add_argument("--control", required=True)
    parser.add_argument("--log", required=True)
    args = parser.parse_args()

    server = Server(("127.0.0.1", 0), Handler)
    server.root = os.path.realpath(args.root)
    server.state = State(args.control, args.log)
    print(server.server_address[1], flush=True)
    try:
        server.serve_forever(poll_interval=0.2)
    except KeyboardInterrupt:
        pass
    return 0


if __name__ == "__main__":
    sys.exit(main())
