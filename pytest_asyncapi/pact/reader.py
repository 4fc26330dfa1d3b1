"""Read Pact files: v3 message pacts (``messages``) and v4 message interactions.

What is kept of each interaction: its description, provider states (carried through, not
interpreted), the message contents (JSON parsed; other contents as bytes), content type,
metadata, and the body matching rules. HTTP interactions are not messages and are skipped
(and counted, so a pact of only HTTP interactions is an error rather than a silent pass).
"""

from __future__ import annotations

import base64
import json
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from pytest_asyncapi.errors import SpecError
from pytest_asyncapi.pact.expectations import Rule, read_rules

if TYPE_CHECKING:
    from pathlib import Path

ASYNC = "Asynchronous/Messages"
SYNC = "Synchronous/Messages"


@dataclass(frozen=True)
class Contents:
    """One message body: parsed JSON (``body``) or raw bytes, with its content type."""

    body: Any
    content_type: str | None
    is_json: bool
    metadata: dict[str, Any]
    rules: tuple[Rule, ...]


@dataclass(frozen=True)
class Interaction:
    """One message interaction; ``response`` holds a synchronous interaction's replies."""

    description: str
    kind: str
    provider_states: tuple[str, ...]
    message: Contents
    response: tuple[Contents, ...] = ()

    @property
    def metadata(self) -> dict[str, Any]:
        return self.message.metadata


@dataclass(frozen=True)
class PactFile:
    path: Path
    consumer: str
    provider: str
    specification: str
    interactions: tuple[Interaction, ...]
    skipped: int = field(default=0)
    """HTTP interactions, which are not messages."""


def looks_like_pact(document: Any) -> bool:
    """A Pact file (not an AsyncAPI document): consumer/provider and interactions or messages."""
    return (
        isinstance(document, dict)
        and "asyncapi" not in document
        and "consumer" in document
        and ("interactions" in document or "messages" in document)
    )


def is_pact_file(path: Path) -> bool:
    """Is ``path`` a Pact file (a ``.json`` file holding a pact)?"""
    if path.suffix.lower() != ".json" or not path.is_file():
        return False
    try:
        return looks_like_pact(json.loads(path.read_bytes()))
    except (OSError, ValueError):
        return False


def read_pact(path: Path) -> PactFile:
    """Parse ``path``; raise :class:`SpecError` naming the file and the interaction at fault."""
    try:
        document = json.loads(path.read_bytes())
    except (OSError, ValueError) as error:
        raise SpecError(f"cannot read the pact: {error}", file=path) from None
    if not looks_like_pact(document):
        raise SpecError(
            "not a Pact file (no consumer with interactions or messages)",
            file=path,
            hint="pass a pact written by a Pact library (v3 message pact or v4 pact)",
        )
    version = str(
        ((document.get("metadata") or {}).get("pactSpecification") or {}).get("version", "")
    )
    found: list[Interaction] = []
    skipped = 0
    entries = document.get("messages") or []
    for index, entry in enumerate(entries):
        found.append(_v3_message(entry, f"{path} messages[{index}]"))
    for index, entry in enumerate(document.get("interactions") or []):
        where = f"{path} interactions[{index}]"
        kind = entry.get("type") if isinstance(entry, dict) else None
        if kind == ASYNC:
            found.append(_v4_async(entry, where))
        elif kind == SYNC:
            found.append(_v4_sync(entry, where))
        else:
            skipped += 1
    if not found:
        raise SpecError(
            "the pact has no message interactions"
            + (f" ({skipped} HTTP interaction(s) skipped)" if skipped else ""),
            file=path,
            hint="message pacts come from Pact's message/asynchronous interactions",
        )
    return PactFile(
        path,
        _name(document.get("consumer")),
        _name(document.get("provider")),
        version,
        tuple(found),
        skipped,
    )


def _name(party: Any) -> str:
    return str(party.get("name", "")) if isinstance(party, dict) else ""


def _states(entry: dict[str, Any]) -> tuple[str, ...]:
    states = entry.get("providerStates")
    if isinstance(states, list):
        return tuple(str(s.get("name", "")) for s in states if isinstance(s, dict))
    state = entry.get("providerState")
    return (str(state),) if state else ()


def _description(entry: Any, where: str) -> str:
    if not isinstance(entry, dict) or not isinstance(entry.get("description"), str):
        raise SpecError("an interaction without a description", file=where)
    return str(entry["description"])


def _rules(entry: dict[str, Any], where: str) -> tuple[Rule, ...]:
    rules = entry.get("matchingRules") or {}
    if isinstance(rules, dict) and any(str(k).startswith("$") for k in rules):  # v2 layout
        body = {"$" + k[len("$.body") :]: v for k, v in rules.items() if k.startswith("$.body")}
        return read_rules(body, file=where)
    category = rules.get("body") if isinstance(rules, dict) else None
    if category is None and isinstance(rules, dict):
        category = rules.get("content")
    return read_rules(category, file=where)


def _metadata(entry: dict[str, Any]) -> dict[str, Any]:
    metadata = entry.get("metadata") or entry.get("metaData") or {}
    return dict(metadata) if isinstance(metadata, dict) else {}


def _content_type(metadata: dict[str, Any], declared: Any = None) -> str | None:
    for value in (declared, metadata.get("contentType"), metadata.get("content-type")):
        if isinstance(value, str) and value:
            return value
    return None


def _v3_message(entry: Any, where: str) -> Interaction:
    description = _description(entry, where)
    metadata = _metadata(entry)
    content_type = _content_type(metadata)
    contents = _contents(entry.get("contents"), content_type, False, metadata, _rules(entry, where))
    return Interaction(description, ASYNC, _states(entry), contents)


def _v4_contents(part: Any, where: str) -> Contents:
    if not isinstance(part, dict):
        raise SpecError("message contents missing", file=where)
    metadata = _metadata(part)
    body = part.get("contents")
    encoded: Any = False
    declared = None
    if isinstance(body, dict) and "content" in body:
        declared, encoded, body = (
            body.get("contentType"),
            body.get("encoded", False),
            body["content"],
        )
    return _contents(
        body, _content_type(metadata, declared), encoded, metadata, _rules(part, where)
    )


def _v4_async(entry: dict[str, Any], where: str) -> Interaction:
    description = _description(entry, where)
    return Interaction(description, ASYNC, _states(entry), _v4_contents(entry, where))


def _v4_sync(entry: dict[str, Any], where: str) -> Interaction:
    description = _description(entry, where)
    request = _v4_contents(entry.get("request"), where + " request")
    responses = entry.get("response") or []
    replies = tuple(_v4_contents(r, f"{where} response[{i}]") for i, r in enumerate(responses))
    return Interaction(description, SYNC, _states(entry), request, replies)


def _contents(
    body: Any,
    content_type: str | None,
    encoded: Any,
    metadata: dict[str, Any],
    rules: tuple[Rule, ...],
) -> Contents:
    """Decode v4 ``encoded`` contents (base64, or JSON text); mark whether the body is JSON."""
    json_type = content_type is None or "json" in content_type.lower()
    if encoded == "base64" and isinstance(body, str):
        raw = base64.b64decode(body)
        if json_type:
            try:
                return Contents(json.loads(raw), content_type, True, metadata, rules)
            except ValueError:
                pass
        return Contents(raw, content_type, False, metadata, rules)
    if encoded == "json" and isinstance(body, str):
        return Contents(json.loads(body), content_type, True, metadata, rules)
    if isinstance(body, str) and not json_type:
        return Contents(body.encode(), content_type, False, metadata, rules)
    return Contents(body, content_type, True, metadata, rules)
