"""Sample examples validate; mutated copies fail with the right pointer and keyword."""

from __future__ import annotations

import copy
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from pytest_asyncapi.schemas.compile import Verdict, compile_schema
from pytest_asyncapi.spec.loader import load_spec
from pytest_asyncapi.spec.model import Message, SchemaSpec

SAMPLES = Path(__file__).resolve().parents[2] / "sample_specs"
DOCUMENTS = [*sorted(SAMPLES.glob("*.yaml")), SAMPLES / "split" / "asyncapi.yaml"]
BAD_FORMAT_VALUES = {
    "email": "not-an-email",
    "uuid": "1234",
    "date-time": "yesterday",
    "date": "2026-13-45",
    "uri": "no scheme",
}


def checked_messages() -> Iterator[tuple[str, Message]]:
    for path in DOCUMENTS:
        spec = load_spec(path)
        seen: set[int] = set()
        for channel in spec.channels:
            for message in channel.messages:
                if id(message) in seen or not message.examples:
                    continue
                seen.add(id(message))
                yield f"{path.name}:{channel.id}:{message.display_name}", message


MESSAGES = list(checked_messages())


def json_schema_payload(message: Message) -> SchemaSpec | None:
    payload = message.payload
    if payload is None or compile_schema(payload).reason is not None:
        return None
    return payload


def test_every_sample_message_has_examples() -> None:
    assert len(MESSAGES) >= 12


@pytest.mark.parametrize(("label", "message"), MESSAGES, ids=[m[0] for m in MESSAGES])
def test_examples_validate(label: str, message: Message) -> None:
    for example in message.examples:
        payload = json_schema_payload(message)
        if example.has_payload and payload is not None:
            result = compile_schema(payload).check(example.payload)
            assert result.verdict is Verdict.VALID, (label, result.violations)
        if example.has_headers and message.headers is not None:
            result = compile_schema(message.headers).check(example.headers)
            assert result.verdict is Verdict.VALID, (label, result.violations)


def properties(schema: Any) -> dict[str, Any]:
    return schema.get("properties", {}) if isinstance(schema, dict) else {}


Mutation = tuple[str, dict[str, Any], str, str]


def mutations(schema: Any, example: dict[str, Any]) -> Iterator[Mutation]:
    """(what, mutated payload, expected pointer, expected keyword) for one object example."""
    required = schema.get("required", []) if isinstance(schema, dict) else []
    if required:
        broken = copy.deepcopy(example)
        broken.pop(required[0], None)
        yield f"remove {required[0]}", broken, "", "required"
    for name, sub in properties(schema).items():
        if name not in example or not isinstance(sub, dict):
            continue
        if sub.get("type") == "string" and "enum" not in sub and "format" not in sub:
            yield f"{name} wrong type", {**example, name: 12345}, f"/{name}", "type"
        if "enum" in sub and sub.get("type") == "string":
            bad_enum = {**example, name: "definitely-not-allowed"}
            yield f"{name} bad enum", bad_enum, f"/{name}", "enum"
        if sub.get("format") in BAD_FORMAT_VALUES:
            bad = BAD_FORMAT_VALUES[sub["format"]]
            yield f"{name} bad format", {**example, name: bad}, f"/{name}", "format"


MUTATED = [
    (f"{label}:{what}", message, broken, pointer, keyword)
    for label, message in MESSAGES
    if (payload := json_schema_payload(message)) is not None
    for example in message.examples[:1]
    if isinstance(example.payload, dict)
    for what, broken, pointer, keyword in mutations(payload.schema, example.payload)
]


def test_mutations_cover_every_kind() -> None:
    kinds = {keyword for *_, keyword in MUTATED}
    assert kinds == {"required", "type", "enum", "format"}


@pytest.mark.parametrize(
    ("label", "message", "broken", "pointer", "keyword"), MUTATED, ids=[m[0] for m in MUTATED]
)
def test_mutated_examples_fail_at_the_right_pointer_with_the_right_keyword(
    label: str, message: Message, broken: dict[str, Any], pointer: str, keyword: str
) -> None:
    payload = json_schema_payload(message)
    assert payload is not None
    result = compile_schema(payload).check(broken)
    assert result.verdict is Verdict.INVALID
    assert (pointer, keyword) in {(v.pointer, v.keyword) for v in result.violations}, (
        label,
        result.violations,
    )
