"""Out-of-process stand-ins: the moto server (AWS) and the federation endpoint.

The federation stand-in answers ``Action=getSigninToken`` (POST form or GET query) with a
``{"SigninToken": ...}`` body and counts the calls; ``GET /_stats`` returns the count.
Run it as ``python -m bench.stubs federation PORT``.
"""

import json
import secrets
import socket
import subprocess
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit
from urllib.request import urlopen


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_for_port(port: int, *, timeout: float = 30.0, process=None) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process is not None and process.poll() is not None:
            raise RuntimeError(f"process on port {port} exited with {process.returncode}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return
        except OSError:
            time.sleep(0.05)
    raise RuntimeError(f"nothing listens on 127.0.0.1:{port} after {timeout}s")


def start_moto(port: int, log) -> subprocess.Popen:
    """moto's server in its own process (the AWS stand-in)."""
    process = subprocess.Popen(  # noqa: S603 - fixed argv
        [sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(port)],
        stdout=log, stderr=subprocess.STDOUT,
    )  # fmt: skip
    wait_for_port(port, process=process)
    return process


def start_federation(port: int, log) -> subprocess.Popen:
    process = subprocess.Popen(  # noqa: S603 - fixed argv
        [sys.executable, "-m", "bench.stubs", "federation", str(port)],
        stdout=log, stderr=subprocess.STDOUT,
    )  # fmt: skip
    wait_for_port(port, process=process)
    return process


def federation_calls(port: int) -> int:
    """How many getSigninToken calls the stand-in on `port` has answered."""
    with urlopen(f"http://127.0.0.1:{port}/_stats", timeout=5) as response:
        return json.load(response)["getSigninToken"]


class _Federation(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    calls = 0
    lock = threading.Lock()

    def _answer(self, params: dict) -> None:
        if params.get("Action", [""])[0] != "getSigninToken" or "Session" not in params:
            self._send(400, {"error": "expected Action=getSigninToken with a Session"})
            return
        json.loads(params["Session"][0])  # a malformed Session is a bug in the caller: 500
        with self.lock:
            type(self).calls += 1
        self._send(200, {"SigninToken": secrets.token_urlsafe(48)})

    def _send(self, status: int, body: dict) -> None:
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_GET(self):  # noqa: N802
        url = urlsplit(self.path)
        if url.path == "/_stats":
            self._send(200, {"getSigninToken": type(self).calls})
            return
        self._answer(parse_qs(url.query))

    def do_POST(self):  # noqa: N802
        length = int(self.headers.get("Content-Length") or 0)
        self._answer(parse_qs(self.rfile.read(length).decode()))

    def log_message(self, format, *args):  # noqa: A002 - quiet: one line per click is noise
        pass


def serve_federation(port: int) -> None:
    server = ThreadingHTTPServer(("127.0.0.1", port), _Federation)
    server.daemon_threads = True
    server.serve_forever()


if __name__ == "__main__":
    if len(sys.argv) == 3 and sys.argv[1] == "federation":
        serve_federation(int(sys.argv[2]))
    else:
        raise SystemExit("usage: python -m bench.stubs federation PORT")
