"""A schema-registry client over the Confluent REST API (``GET /schemas/ids/{id}``).

Writer schemas are fetched by id once per process (a session) and cached, failures included,
so a flood of messages with an unknown id costs one request. Credentials in the URL
(``https://user:secret@host``) are sent as HTTP basic auth and masked in every message.
Apicurio serves the same API under ``/apis/ccompat/v7``; point the URL there.
"""

from __future__ import annotations

import base64
import threading
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any
from urllib.parse import unquote, urlsplit, urlunsplit

import orjson

from pytest_asyncapi.masking import mask

if TYPE_CHECKING:
    from pytest_asyncapi.spec.model import Spec

TIMEOUT = 10.0


@dataclass(frozen=True)
class WriterSchema:
    """A registry's schema: ``schema_type`` ``AVRO`` / ``PROTOBUF`` / ``JSON`` and its text."""

    schema_id: int
    schema_type: str
    text: str


class RegistryError(Exception):
    """The registry could not give the schema; the message says what and where (URL masked)."""


class RegistryClient:
    """Fetches writer schemas by id from one registry; answers (and failures) are cached."""

    def __init__(self, url: str) -> None:
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ValueError(f"schema registry URL {mask(url)!r} is not an http(s) URL")
        self.shown = mask(url)
        host = parts.hostname + (f":{parts.port}" if parts.port else "")
        self._base = urlunsplit((parts.scheme, host, parts.path.rstrip("/"), "", ""))
        self._auth: str | None = None
        if parts.username is not None:
            pair = f"{unquote(parts.username)}:{unquote(parts.password or '')}"
            self._auth = "Basic " + base64.b64encode(pair.encode()).decode()
        self._cache: dict[int, WriterSchema | RegistryError] = {}
        self._lock = threading.Lock()
        self.requests = 0

    def schema(self, schema_id: int) -> WriterSchema:
        """The schema with ``schema_id``; raise :class:`RegistryError` with the reason."""
        with self._lock:
            hit = self._cache.get(schema_id)
            if hit is None:
                hit = self._fetch(schema_id)
                self._cache[schema_id] = hit
        if isinstance(hit, RegistryError):
            raise hit
        return hit

    def _fetch(self, schema_id: int) -> WriterSchema | RegistryError:
        import urllib.error
        import urllib.request

        self.requests += 1
        where = f"{self.shown}/schemas/ids/{schema_id}"
        request = urllib.request.Request(
            f"{self._base}/schemas/ids/{schema_id}",
            headers={"Accept": "application/vnd.schemaregistry.v1+json, application/json"},
        )
        if self._auth:
            request.add_header("Authorization", self._auth)
        try:
            with urllib.request.urlopen(request, timeout=TIMEOUT) as response:
                body: Any = orjson.loads(response.read())
        except urllib.error.HTTPError as error:
            detail = _error_detail(error)
            if error.code == 404:
                return RegistryError(
                    f"schema id {schema_id} is not in the schema registry ({where}: {detail})"
                )
            return RegistryError(f"the schema registry answered {error.code} for {where}: {detail}")
        except (urllib.error.URLError, OSError) as error:
            reason = getattr(error, "reason", error)
            return RegistryError(f"the schema registry at {self.shown} cannot be reached: {reason}")
        except orjson.JSONDecodeError:
            return RegistryError(f"the schema registry's answer for {where} is not JSON")
        if not isinstance(body, dict) or not isinstance(body.get("schema"), str):
            return RegistryError(f"the schema registry's answer for {where} has no 'schema' string")
        return WriterSchema(
            schema_id, str(body.get("schemaType") or "AVRO").upper(), body["schema"]
        )


def _error_detail(error: Any) -> str:
    try:
        body = orjson.loads(error.read())
    except (orjson.JSONDecodeError, OSError):
        return str(error.reason)
    if isinstance(body, dict) and "message" in body:
        code = f" (error_code {body['error_code']})" if "error_code" in body else ""
        return f"{body['message']}{code}"
    return str(error.reason)


_CLIENTS: dict[str, RegistryClient] = {}
_CLIENTS_LOCK = threading.Lock()
_OVERRIDE: list[str | None] = [None]
GENERATION = [0]
"""Bumped whenever the override changes, so answers cached from the old one are dropped."""


def set_registry_url(url: str | None) -> None:
    """Use ``url`` for every document (``--asyncapi-schema-registry``); ``None`` resets."""
    if url is not None:
        RegistryClient(url)  # refuses a bad URL now, not at the first message
    _OVERRIDE[0] = url
    GENERATION[0] += 1


def registry_url(spec: Spec | None) -> str | None:
    """The option's URL, else the first Kafka server binding's ``schemaRegistryUrl``."""
    if _OVERRIDE[0] is not None:
        return _OVERRIDE[0]
    for server in spec.servers if spec is not None else ():
        kafka = server.bindings.get("kafka") if isinstance(server.bindings, dict) else None
        if isinstance(kafka, dict) and isinstance(kafka.get("schemaRegistryUrl"), str):
            return str(kafka["schemaRegistryUrl"])
    return None


def client_for(url: str) -> RegistryClient:
    """The process-wide client for ``url`` (its cache lives as long as the session)."""
    with _CLIENTS_LOCK:
        client = _CLIENTS.get(url)
        if client is None:
            client = _CLIENTS[url] = RegistryClient(url)
        return client
