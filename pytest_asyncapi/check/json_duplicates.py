"""Duplicate keys in a JSON object (``{"id": 5, "id": "a"}``): invalid, never "the last wins".

RFC 8259 leaves their meaning open and readers disagree (orjson and ``json`` keep the last
value, others the first or refuse), so a payload with one is reported, keyword
``duplicate-key``, at the object that holds it.

The screen is cheap for the common payload. A payload that is byte for byte the compact
re-serialisation of its parsed value has no repeat (the re-serialisation writes each pair of
the value once, and the texts are the same). Otherwise the ``:`` of the raw text are counted
and compared with those of the re-serialisation. Without a backslash both texts hold
the same strings byte for byte, and outside strings a ``:`` ends a key, so the counts are equal
exactly when the parse dropped no pair, that is when no key repeats. Only a payload with
escapes, or with a repeat, is read again with the standard library to name the keys.
"""

from __future__ import annotations

import json
from typing import Any

import orjson

from pytest_asyncapi.jsonpointer import child
from pytest_asyncapi.schemas.compile import SchemaViolation


class _Pairs(list[tuple[str, Any]]):
    """One JSON object as its (key, value) pairs, in text order."""


def duplicate_key_violations(payload: bytes, value: Any) -> tuple[SchemaViolation, ...]:
    """A violation per object of ``payload`` that repeats a key (``value`` is its parse)."""
    text = orjson.dumps(value)
    if text == payload or (b"\\" not in payload and payload.count(b":") == text.count(b":")):
        return ()
    try:
        tree = json.loads(payload, object_pairs_hook=_Pairs)
    except (ValueError, RecursionError):
        return ()  # orjson read it; a reader this strict cannot: nothing more to say
    return tuple(_violations(tree, ""))


def _violations(node: Any, pointer: str) -> list[SchemaViolation]:
    found: list[SchemaViolation] = []
    if isinstance(node, _Pairs):
        seen: dict[str, list[Any]] = {}
        for key, item in node:
            seen.setdefault(key, []).append(item)
        for key, values in seen.items():
            if len(values) > 1:
                shown = ", ".join(orjson.dumps(_plain(v)).decode()[:40] for v in values)
                found.append(
                    SchemaViolation(
                        pointer,
                        "duplicate-key",
                        f"key {key!r} occurs {len(values)} times in one object (values {shown}); "
                        "JSON object keys must be unique: readers disagree on which value wins",
                        "#/payload",
                        "",
                        shown,
                    )
                )
        for key, item in node:
            found += _violations(item, child(pointer, key))
    elif isinstance(node, list):
        for index, item in enumerate(node):
            found += _violations(item, child(pointer, str(index)))
    return found


def _plain(node: Any) -> Any:
    if isinstance(node, _Pairs):
        return {k: _plain(v) for k, v in node}
    return [_plain(v) for v in node] if isinstance(node, list) else node
