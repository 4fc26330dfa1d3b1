"""Check one message (payload bytes, headers, key) against one declared :class:`Message`.

Pure: no broker, no pytest. The plugin, the CLI and the traffic checker all call
:func:`check_message`.

Decoding rules (documented in the README):
- payload: JSON content types (``application/json``, ``*/*+json``, ``text/json``, or none
  declared) are parsed as JSON; not-JSON is a violation, and so is an object that repeats a
  key (keyword ``duplicate-key``). Any other content type is checked
  only when the payload schema is ``type: string`` (the UTF-8 text is validated); otherwise
  the payload is reported **unchecked**.
- headers from a broker are ``(name, bytes)`` pairs in wire order (NATS and Kafka alike),
  decoded as UTF-8. A name that occurs more than once is a violation (keyword
  ``repeated-header``, listing the values): AsyncAPI headers are one object, one value per
  name. The first value is still checked against the schema. A string value
  meets a header schema whose ``type`` does not allow strings by conversion: ``integer`` /
  ``number`` from a JSON number, ``boolean`` from ``true``/``false``, ``object``/``array``/
  ``null`` from JSON text. A value that does not convert stays a string and fails ``type``.
- a Kafka key (bytes) is decoded as UTF-8 and converted by the same rule as a header value.
- a payload of ``None`` (a Kafka tombstone: a record with a null value) is the JSON value
  ``null`` whatever the content type, so ``type: ["object", "null"]`` admits it.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import orjson

from pytest_asyncapi.check.json_duplicates import duplicate_key_violations
from pytest_asyncapi.schemas.binary import BinarySchema, check_bytes
from pytest_asyncapi.schemas.compile import (
    CheckResult,
    SchemaViolation,
    Verdict,
    compile_schema,
)

if TYPE_CHECKING:
    from collections.abc import Iterable

    from pytest_asyncapi.spec.model import Message, SchemaSpec, Spec

Headers = Mapping[str, Any] | Sequence[tuple[str, Any]]
"""A mapping (a JSON headers file) or ``(name, value)`` pairs in wire order (a broker)."""

JSON_CONTENT_TYPES = frozenset({"application/json", "text/json"})
_VALID = CheckResult(Verdict.VALID)


@dataclass(frozen=True)
class PartResult:
    """The verdict on one part of a message: ``payload``, ``headers`` or ``key``."""

    part: str
    result: CheckResult


@dataclass(frozen=True)
class MessageCheck:
    """Every part's verdict for one message against one declaration."""

    message: Message
    parts: tuple[PartResult, ...]

    @property
    def verdict(self) -> Verdict:
        verdicts = {p.result.verdict for p in self.parts}
        if Verdict.INVALID in verdicts:
            return Verdict.INVALID
        if Verdict.UNCHECKED in verdicts:
            return Verdict.UNCHECKED
        return Verdict.VALID

    def violations(self) -> list[tuple[str, SchemaViolation]]:
        return [(p.part, v) for p in self.parts for v in p.result.violations]

    def unchecked_reasons(self) -> list[str]:
        return [
            f"{p.part}: {p.result.reason}"
            for p in self.parts
            if p.result.verdict is Verdict.UNCHECKED and p.result.reason
        ]


def is_json_content_type(content_type: str | None) -> bool:
    if content_type is None:
        return True
    base = content_type.split(";", 1)[0].strip().lower()
    return base in JSON_CONTENT_TYPES or base.endswith("+json")


def check_message(
    message: Message,
    payload: bytes | None,
    headers: Headers | None = None,
    key: bytes | None = None,
    *,
    check_key: bool = False,
    spec: Spec | None = None,
) -> MessageCheck:
    """Check the parts of a message that the declaration constrains.

    ``headers`` ``None`` means none were available (the part is skipped, e.g. a CLI check of a
    payload alone); a broker message without headers passes ``()``. Header values that are
    ``str``/``bytes`` are converted by the module's rule; other values (from a JSON headers
    file) are checked as they are. ``check_key`` asks for the key
    to be checked (Kafka): a declared key schema with no key is a violation. ``spec`` (the
    document) gives Avro/Protobuf checks their schema registry.
    """
    parts = [PartResult("payload", check_payload(message, payload, headers, spec))]
    if message.headers is not None and headers is not None:
        parts.append(PartResult("headers", check_headers(message.headers, headers)))
    if check_key and message.key_schema is not None:
        parts.append(
            PartResult("key", check_key_bytes(message.key_schema, key, message, headers, spec))
        )
    return MessageCheck(message, tuple(parts))


def check_payload(
    message: Message, payload: bytes | None, headers: Any = None, spec: Spec | None = None
) -> CheckResult:
    """Decode ``payload`` by the message's content type, then check it against the schema.

    ``None`` is a Kafka tombstone: the schema is asked whether it accepts null."""
    if message.payload is not None and payload is not None:
        compiled = compile_schema(message.payload)
        if isinstance(compiled, BinarySchema):
            fast = compiled.fast_path(message.bindings, spec, message.content_type)
            if fast is not None and fast(payload):
                return _VALID
            return check_bytes(
                compiled,
                payload,
                bindings=message.bindings,
                headers=headers,
                part="payload",
                content_type=message.content_type,
                spec=spec,
            )
    decoded = decode_payload(message, payload)
    if isinstance(decoded, CheckResult):
        return decoded
    duplicates = (
        duplicate_key_violations(payload, decoded)
        if payload is not None and is_json_content_type(message.content_type)
        else ()
    )
    if message.payload is None:
        return (
            CheckResult(Verdict.INVALID, duplicates) if duplicates else CheckResult(Verdict.VALID)
        )
    # trusted: orjson output (or UTF-8 text) is plain JSON, so the JSON screen is skipped
    result = compile_schema(message.payload).check(decoded, trusted=True)
    if duplicates:
        return CheckResult(Verdict.INVALID, duplicates + result.violations)
    return result


def decode_payload(message: Message, payload: bytes | None) -> Any:
    """The payload's value, or a :class:`CheckResult` saying why it cannot be checked."""
    if payload is None:
        return None
    if is_json_content_type(message.content_type):
        try:
            return orjson.loads(payload)
        except orjson.JSONDecodeError as error:
            return _invalid_payload(
                "contentType",
                f"payload is not valid JSON ({error}) but the content type is "
                f"{message.content_type or 'JSON (none declared)'}",
                payload,
            )
    schema = message.payload.schema if message.payload is not None else None
    if isinstance(schema, dict) and schema.get("type") == "string":
        try:
            return payload.decode("utf-8")
        except UnicodeDecodeError as error:
            return _invalid_payload("contentType", f"payload is not UTF-8 text: {error}", payload)
    return CheckResult(
        Verdict.UNCHECKED,
        reason=f"content type {message.content_type!r} cannot be decoded for a schema check",
    )


def _invalid_payload(keyword: str, text: str, payload: bytes) -> CheckResult:
    excerpt = payload[:120].decode("utf-8", "replace")
    return CheckResult(
        Verdict.INVALID,
        (SchemaViolation("", keyword, text, "#/contentType", "", excerpt),),
    )


def check_headers(schema: SchemaSpec, headers: Headers) -> CheckResult:
    """Check ``headers`` (converted by the module's rule) against ``schema``; a repeated
    name is a ``repeated-header`` violation and its first value is the one checked."""
    first, repeats = _first_values(headers.items() if isinstance(headers, Mapping) else headers)
    properties = schema.schema.get("properties", {}) if isinstance(schema.schema, dict) else {}
    converted: dict[str, Any] = {}
    trusted = True  # every name a str, every value from text (a str or orjson output)
    for name, value in first.items():
        text = _text(value)
        if text is None and isinstance(value, bytes):
            if repeats:  # a repeat is a violation whatever the binary value says
                return CheckResult(Verdict.INVALID, _repeated(repeats))
            return CheckResult(
                Verdict.UNCHECKED, reason=f"header {name!r} is not UTF-8 text; binary not checked"
            )
        trusted = trusted and text is not None and isinstance(name, str)
        declared = properties.get(name) if isinstance(properties, dict) else None
        converted[name] = convert_text(text, declared) if text is not None else value
    result = compile_schema(schema).check(converted, trusted=trusted)
    if not repeats:
        return result
    return CheckResult(Verdict.INVALID, _repeated(repeats) + result.violations)


def _first_values(pairs: Iterable[tuple[str, Any]]) -> tuple[dict[str, Any], dict[str, list[Any]]]:
    """The first value of each name, and every value of the names that occur more than once."""
    first: dict[str, Any] = {}
    repeats: dict[str, list[Any]] = {}
    for name, value in pairs:
        if name in first:
            repeats.setdefault(name, [first[name]]).append(value)
        else:
            first[name] = value
    return first, repeats


def _repeated(repeats: dict[str, list[Any]]) -> tuple[SchemaViolation, ...]:
    return tuple(
        SchemaViolation(
            f"/{name.replace('~', '~0').replace('/', '~1')}",
            "repeated-header",
            f"header {name!r} occurs {len(values)} times (values "
            + ", ".join(_shown(v) for v in values)
            + "); AsyncAPI headers are one object: one value per name (the first is checked)",
            "#/headers",
            "",
            _shown(values[0]),
        )
        for name, values in repeats.items()
    )


def _shown(value: Any) -> str:
    text = _text(value)
    return repr(text) if text is not None else repr(value)


def check_key_bytes(
    schema: SchemaSpec,
    key: bytes | None,
    message: Message | None = None,
    headers: Any = None,
    spec: Spec | None = None,
) -> CheckResult:
    """Check a Kafka record key against the message binding's ``key`` schema."""
    compiled = compile_schema(schema)
    if isinstance(compiled, BinarySchema) and key is not None:
        bindings = message.bindings if message is not None else {}
        return check_bytes(
            compiled,
            key,
            bindings=bindings,
            headers=headers,
            part="key",
            content_type=None,
            spec=spec,
        )
    if key is None:
        return compile_schema(schema).check(None, trusted=True)
    text = _text(key)
    if text is None:
        return CheckResult(
            Verdict.UNCHECKED, reason="the key is not UTF-8 text; binary not checked"
        )
    return compile_schema(schema).check(convert_text(text, schema.schema), trusted=True)


def _text(value: Any) -> str | None:
    if isinstance(value, str):
        return value
    if isinstance(value, bytes):
        try:
            return value.decode("utf-8")
        except UnicodeDecodeError:
            return None
    return None


def convert_text(value: str, schema: Any) -> Any:
    """A broker's text value converted to what ``schema``'s ``type`` expects (module rule)."""
    if not isinstance(schema, dict):
        return value
    types = schema.get("type")
    allowed = {types} if isinstance(types, str) else set(types or [])
    if not allowed or "string" in allowed:
        return value
    try:
        parsed = orjson.loads(value)
    except orjson.JSONDecodeError:
        return value
    kind = _json_type(parsed)
    if kind in allowed or (kind == "integer" and "number" in allowed):
        return parsed
    return value


def _json_type(value: Any) -> str:
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int):
        return "integer"
    if isinstance(value, float):
        return "number"
    if value is None:
        return "null"
    if isinstance(value, list):
        return "array"
    return "object" if isinstance(value, dict) else "string"
