"""Documents and helpers shared by the hardening tests."""

from __future__ import annotations

import copy
import time
from typing import TYPE_CHECKING, Any

from pytest_asyncapi.errors import SpecError
from pytest_asyncapi.spec.loader import load_spec
from pytest_asyncapi.spec.model import Spec
from pytest_asyncapi.spec.options import LoadOptions

if TYPE_CHECKING:
    from pathlib import Path

CALL_BOUND = 5.0
"""Seconds any single load or check may take in these tests (they take milliseconds)."""

V2: dict[str, Any] = {
    "asyncapi": "2.6.0",
    "info": {"title": "t", "version": "1"},
    "servers": {"s": {"url": "localhost", "protocol": "nats"}},
    "channels": {
        "user/{id}": {
            "parameters": {"id": {"schema": {"type": "string"}}},
            "subscribe": {
                "operationId": "a",
                "traits": [{"bindings": {}}],
                "message": {
                    "oneOf": [
                        {"$ref": "#/components/messages/M"},
                        {"payload": {"type": "object"}},
                    ]
                },
            },
            "publish": {"message": {"$ref": "#/components/messages/M"}},
        }
    },
    "components": {
        "messages": {
            "M": {
                "name": "M",
                "messageId": "m",
                "contentType": "application/json",
                "payload": {"$ref": "#/components/schemas/S"},
                "headers": {"type": "object", "properties": {"h": {"type": "integer"}}},
                "traits": [{"headers": {"type": "object"}}],
                "examples": [{"payload": {"a": 1}, "headers": {"h": 1}}],
                "bindings": {"kafka": {"key": {"type": "string"}}},
            }
        },
        "schemas": {
            "S": {
                "type": "object",
                "properties": {
                    "a": {"type": "integer"},
                    "self": {"$ref": "#/components/schemas/S"},
                },
            }
        },
    },
}

V3: dict[str, Any] = {
    "asyncapi": "3.0.0",
    "info": {"title": "t", "version": "1"},
    "defaultContentType": "application/json",
    "servers": {"s": {"host": "localhost", "protocol": "kafka"}},
    "channels": {
        "c": {
            "address": "user.{id}",
            "servers": [{"$ref": "#/servers/s"}],
            "parameters": {"id": {"enum": ["a", "b"], "default": "a"}},
            "messages": {"M": {"$ref": "#/components/messages/M"}},
            "bindings": {"kafka": {"partitions": 3}},
        }
    },
    "operations": {
        "o": {
            "action": "send",
            "channel": {"$ref": "#/channels/c"},
            "messages": [{"$ref": "#/channels/c/messages/M"}],
            "traits": [{"summary": "x"}],
        },
        "r": {"action": "receive", "channel": {"$ref": "#/channels/c"}},
    },
    "components": {
        "messages": {
            "M": {
                "name": "M",
                "payload": {
                    "schemaFormat": "application/schema+json;version=draft-07",
                    "schema": {"$ref": "#/components/schemas/S"},
                },
                "headers": {"type": "object"},
                "traits": [{"name": "T"}],
                "examples": [{"payload": {"a": 1}}],
                "bindings": {"kafka": {"key": {"type": "string"}}},
            }
        },
        "schemas": {"S": {"type": "object", "properties": {"a": {"type": "integer"}}}},
    },
}


def skeleton(version: int) -> dict[str, Any]:
    """A fresh copy of a small, valid document of AsyncAPI ``version`` (2 or 3)."""
    return copy.deepcopy(V2 if version == 2 else V3)


def nest(depth: int, leaf: Any, key: str = "a") -> Any:
    """``{key: {key: ... leaf}}``, ``depth`` mappings deep."""
    node = leaf
    for _ in range(depth):
        node = {key: node}
    return node


def load_or_error(path: Path, options: LoadOptions | None = None, *, strict: bool = False) -> Any:
    """``load_spec``'s Spec or its SpecError; any other exception fails the test. Time-bounded."""
    started = time.perf_counter()
    try:
        result: Spec | SpecError = load_spec(path, options or LoadOptions(), strict=strict)
    except SpecError as error:
        result = error
    elapsed = time.perf_counter() - started
    assert elapsed < CALL_BOUND, f"loading took {elapsed:.1f} s"
    assert isinstance(result, Spec) or str(result), "a SpecError must say what is wrong"
    return result
