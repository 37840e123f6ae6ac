"""A minimal OpenTelemetry collector for `run.py --traced`: accepts OTLP/HTTP trace exports.

It answers every POST /v1/traces with 200 and an empty ExportTraceServiceResponse (zero
bytes is its valid protobuf encoding) and counts what arrived, so the traced gateway pays
the whole export (batching, protobuf encoding, HTTP) and nothing waits on a slow sink.
GET /healthz answers once it listens; GET /stats returns the counts as JSON.
"""

from __future__ import annotations

import argparse
import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

_counts = {"exports": 0, "bytes": 0}
_lock = threading.Lock()


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive, as the exporter's session expects

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers.get("content-length", "0")))
        if self.path != "/v1/traces":
            self._send(404, b"", "text/plain")
            return
        with _lock:
            _counts["exports"] += 1
            _counts["bytes"] += len(body)
        self._send(200, b"", "application/x-protobuf")

    def do_GET(self) -> None:
        if self.path == "/healthz":
            self._send(200, b"ok", "text/plain")
        elif self.path == "/stats":
            with _lock:
                self._send(200, json.dumps(_counts).encode(), "application/json")
        else:
            self._send(404, b"", "text/plain")

    def _send(self, status: int, body: bytes, content_type: str) -> None:
        self.send_response(status)
        self.send_header("content-type", content_type)
        self.send_header("content-length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: object) -> None:
        pass


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--port", type=int, required=True)
    ThreadingHTTPServer(("127.0.0.1", parser.parse_args().port), _Handler).serve_forever()


if __name__ == "__main__":
    main()
