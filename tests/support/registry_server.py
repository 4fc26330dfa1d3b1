"""A small schema registry inside the tests: the Confluent REST endpoint the client uses
(``GET /schemas/ids/{id}``, 404 with ``error_code`` 40403), with optional basic auth.

No schema-registry server can be installed on this machine (none is packaged for pip, apt or
npm), so the client is tested against this implementation of the documented endpoint."""

from __future__ import annotations

import base64
import json
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


@contextmanager
def registry(
    schemas: dict[int, dict[str, Any]], auth: tuple[str, str] | None = None
) -> Iterator[tuple[str, list[str]]]:
    """Serve ``schemas`` (id -> answer body); yield the base URL and the paths requested."""
    requested: list[str] = []

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            requested.append(self.path)
            if auth is not None:
                token = base64.b64encode(f"{auth[0]}:{auth[1]}".encode()).decode()
                if self.headers.get("Authorization") != f"Basic {token}":
                    return self._send(401, {"error_code": 40101, "message": "Unauthorized"})
            prefix = "/schemas/ids/"
            if self.path.startswith(prefix) and self.path[len(prefix) :].isdigit():
                found = schemas.get(int(self.path[len(prefix) :]))
                if found is not None:
                    return self._send(200, found)
                return self._send(404, {"error_code": 40403, "message": "Schema not found"})
            return self._send(404, {"error_code": 404, "message": "HTTP 404 Not Found"})

        def _send(self, status: int, body: dict[str, Any]) -> None:
            data = json.dumps(body).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/vnd.schemaregistry.v1+json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, format: str, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}", requested
    finally:
        server.shutdown()
        server.server_close()
        thread.join()
