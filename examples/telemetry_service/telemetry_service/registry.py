"""A minimal Confluent Schema Registry client: register a writer schema, get its id.

What a Confluent serializer does with ``auto.register.schemas``: ``POST
/subjects/{subject}/versions`` with the schema text; the registry answers the schema's global
id (the same id again for a schema it already has). The subject follows Confluent's
``TopicNameStrategy``: ``<topic>-value`` for record values, ``<topic>-key`` for keys.
"""

from __future__ import annotations

import asyncio
import json
import urllib.error
import urllib.request
from typing import Any

CONTENT_TYPE = "application/vnd.schemaregistry.v1+json"
TIMEOUT = 10.0


class RegistryError(RuntimeError):
    """The registry refused a request or could not be reached; the message says which."""


def value_subject(topic: str) -> str:
    """The subject of a topic's record values under ``TopicNameStrategy``."""
    return f"{topic}-value"


class SchemaRegistry:
    """Registers Avro schemas with a registry at ``url`` (``http://host:8081``)."""

    def __init__(self, url: str) -> None:
        self.url = url.rstrip("/")

    async def register(self, subject: str, schema: dict[str, Any]) -> int:
        """Register ``schema`` under ``subject``; returns its id (blocking I/O in a thread)."""
        body = {"schema": json.dumps(schema, separators=(",", ":"))}
        answer = await asyncio.to_thread(
            self._request, "POST", f"/subjects/{subject}/versions", body
        )
        schema_id = answer.get("id")
        if not isinstance(schema_id, int):
            raise RegistryError(f"the registry's answer has no schema id: {answer!r}")
        return schema_id

    async def latest(self, subject: str) -> dict[str, Any]:
        """The latest version under ``subject``: ``subject``, ``version``, ``id``, ``schema``."""
        return await asyncio.to_thread(
            self._request, "GET", f"/subjects/{subject}/versions/latest", None
        )

    def _request(self, method: str, path: str, body: dict[str, Any] | None) -> dict[str, Any]:
        data = None if body is None else json.dumps(body).encode()
        request = urllib.request.Request(
            self.url + path,
            data=data,
            method=method,
            headers={"Content-Type": CONTENT_TYPE, "Accept": CONTENT_TYPE},
        )
        try:
            with urllib.request.urlopen(request, timeout=TIMEOUT) as response:
                answer = json.loads(response.read())
        except urllib.error.HTTPError as error:
            detail = error.read().decode("utf-8", "replace")
            raise RegistryError(f"{method} {self.url}{path}: {error.code} {detail}") from None
        except (urllib.error.URLError, OSError) as error:
            raise RegistryError(f"schema registry {self.url} cannot be reached: {error}") from None
        if not isinstance(answer, dict):
            raise RegistryError(f"{method} {self.url}{path}: unexpected answer {answer!r}")
        return answer
