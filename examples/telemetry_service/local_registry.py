"""A small schema registry for the example's tests: the Confluent REST endpoints that the
service and pytest-asyncapi use, in a thread of the test process.

No schema-registry server is packaged for pip, apt or npm, so none can be installed where
these tests run. This implements the documented endpoints and their error bodies:

- ``POST /subjects/{subject}/versions`` ``{"schema": "..."}`` -> ``{"id": N}`` (the same id
  again for a schema the registry already has; ``422`` / ``42201`` for a schema that is no
  Avro schema);
- ``GET /schemas/ids/{id}`` -> ``{"schema": "..."}`` (``404`` / ``40403`` for an unknown id);
- ``GET /subjects/{subject}/versions/latest`` -> ``{"subject", "version", "id", "schema"}``
  (``404`` / ``40401`` for an unknown subject).

Point the tests at a real registry instead with ``--asyncapi-schema-registry URL``.
"""

from __future__ import annotations

import json
import re
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import fastavro

CONTENT_TYPE = "application/vnd.schemaregistry.v1+json"
VERSIONS = re.compile(r"^/subjects/([^/]+)/versions$")
LATEST = re.compile(r"^/subjects/([^/]+)/versions/latest$")
BY_ID = re.compile(r"^/schemas/ids/(\d+)$")


class LocalRegistry:
    """Serves on ``127.0.0.1`` at a free port; ``url`` once :meth:`start` returned."""

    def __init__(self) -> None:
        self.schemas: dict[int, str] = {}
        self.subjects: dict[str, list[int]] = {}
        self._lock = threading.Lock()
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None
        self.url = ""

    def start(self) -> str:
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(self))
        self._thread = threading.Thread(
            target=self._server.serve_forever, name="local-schema-registry", daemon=True
        )
        self._thread.start()
        self.url = f"http://127.0.0.1:{self._server.server_address[1]}"
        return self.url

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None
        if self._thread is not None:
            self._thread.join()
            self._thread = None

    def register(self, subject: str, text: str) -> int:
        canonical = json.dumps(json.loads(text), sort_keys=True, separators=(",", ":"))
        with self._lock:
            known = {text: schema_id for schema_id, text in self.schemas.items()}
            schema_id = known.get(canonical) or len(self.schemas) + 1
            self.schemas[schema_id] = canonical
            versions = self.subjects.setdefault(subject, [])
            if schema_id not in versions:
                versions.append(schema_id)
            return schema_id


def _handler(registry: LocalRegistry) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            match = VERSIONS.match(self.path)
            if match is None:
                return self._error(404, 404, "HTTP 404 Not Found")
            try:
                body = json.loads(self.rfile.read(int(self.headers.get("Content-Length", 0))))
                text = body["schema"]
                fastavro.parse_schema(json.loads(text))
            except (ValueError, KeyError, TypeError, fastavro.schema.SchemaParseException) as e:
                return self._error(422, 42201, f"Invalid schema: {e}")
            return self._send(200, {"id": registry.register(match.group(1), text)})

        def do_GET(self) -> None:
            if match := BY_ID.match(self.path):
                text = registry.schemas.get(int(match.group(1)))
                if text is None:
                    return self._error(404, 40403, "Schema not found")
                return self._send(200, {"schema": text})
            if match := LATEST.match(self.path):
                subject = match.group(1)
                versions = registry.subjects.get(subject)
                if not versions:
                    return self._error(404, 40401, f"Subject '{subject}' not found.")
                schema_id = versions[-1]
                return self._send(
                    200,
                    {
                        "subject": subject,
                        "version": len(versions),
                        "id": schema_id,
                        "schema": registry.schemas[schema_id],
                    },
                )
            return self._error(404, 404, "HTTP 404 Not Found")

        def _error(self, status: int, code: int, message: str) -> None:
            self._send(status, {"error_code": code, "message": message})

        def _send(self, status: int, body: dict[str, Any]) -> None:
            data = json.dumps(body).encode()
            self.send_response(status)
            self.send_header("Content-Type", CONTENT_TYPE)
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, format: str, *args: Any) -> None:
            pass

    return Handler
