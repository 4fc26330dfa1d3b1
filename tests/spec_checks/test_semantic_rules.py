"""Semantic rules on hand-built models."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from pytest_asyncapi.spec.model import (
    Action,
    Channel,
    Message,
    MessageExample,
    Operation,
    Parameter,
    SchemaSpec,
    Spec,
)
from pytest_asyncapi.spec.semantic_rules import semantic_findings

JSON_SCHEMA = "application/schema+json;version=draft-07"
AVRO = "application/vnd.apache.avro;version=1.9.0"


def locate(pointer: str) -> tuple[str, int | None]:
    return "spec.yaml", len(pointer)


def message(
    pointer: str,
    message_id: str | None = None,
    payload: Any = None,
    headers: Any = None,
    examples: tuple[MessageExample, ...] = (),
    schema_format: str = JSON_SCHEMA,
) -> Message:
    return Message(
        key=pointer.rsplit("/", 1)[-1],
        name=None,
        message_id=message_id,
        title=None,
        summary=None,
        payload=None
        if payload is None
        else SchemaSpec(payload, schema_format, pointer + "/payload"),
        headers=None if headers is None else SchemaSpec(headers, JSON_SCHEMA, pointer + "/headers"),
        content_type="application/json",
        correlation_id=None,
        examples=examples,
        bindings={},
        key_schema=None,
        pointer=pointer,
    )


def parameter(name: str) -> Parameter:
    return Parameter(name, schema=None, enum=None, default=None, location=None, description=None)


def channel(
    pointer: str,
    address: str | None,
    params: tuple[str, ...] = (),
    messages: tuple[Message, ...] = (),
) -> Channel:
    return Channel(
        id=pointer.rsplit("/", 1)[-1],
        address=address,
        parameters=tuple(parameter(p) for p in params),
        messages=messages,
        bindings={},
        servers=(),
        pointer=pointer,
    )


def operation(pointer: str, op_id: str, messages: tuple[Message, ...] = ()) -> Operation:
    return Operation(
        id=op_id,
        action=Action.SEND,
        channel_id="c",
        messages=messages,
        bindings={},
        summary=None,
        pointer=pointer,
    )


def spec(
    version: str = "3.0.0",
    channels: tuple[Channel, ...] = (),
    operations: tuple[Operation, ...] = (),
    document: Any = None,
) -> Spec:
    return Spec(
        source=Path("spec.yaml"),
        asyncapi_version=version,
        title="t",
        version="1",
        default_content_type=None,
        servers=(),
        channels=channels,
        operations=operations,
        document=document,
    )


def found(model: Spec) -> list[tuple[str, str, str]]:
    findings = semantic_findings(model, locate)
    assert all(f.file == "spec.yaml" and f.line == len(f.pointer) for f in findings)
    return [(f.rule, f.pointer, f.message) for f in findings]


# duplicate-operation-id


def test_duplicate_operation_ids_name_both_operations() -> None:
    model = spec(
        "2.6.0",
        operations=(
            operation("/channels/a/publish", "onEvent"),
            operation("/channels/b/subscribe", "onEvent"),
            operation("/channels/c/subscribe", "other"),
        ),
    )
    assert found(model) == [
        (
            "duplicate-operation-id",
            "/channels/b/subscribe",
            "operation id 'onEvent' is used by both #/channels/a/publish and "
            "#/channels/b/subscribe",
        )
    ]


def test_distinct_operation_ids_are_fine() -> None:
    model = spec(operations=(operation("/operations/a", "a"), operation("/operations/b", "b")))
    assert found(model) == []


# duplicate-message-id


def test_two_different_messages_with_one_message_id() -> None:
    first = message("/channels/a/subscribe/message", "userSignedUp")
    second = message("/channels/b/publish/message", "userSignedUp")
    document = {
        "channels": {
            "a": {"subscribe": {"message": {"messageId": "userSignedUp", "x": 1}}},
            "b": {"publish": {"message": {"messageId": "userSignedUp", "x": 2}}},
        }
    }
    model = spec(
        "2.6.0",
        channels=(channel("/channels/a", "a", messages=(first,)),),
        operations=(operation("/channels/b/publish", "p", (second,)),),
        document=document,
    )
    assert found(model) == [
        (
            "duplicate-message-id",
            "/channels/b/publish/message",
            "messageId 'userSignedUp' is used by two different messages: "
            "#/channels/a/subscribe/message and #/channels/b/publish/message",
        )
    ]


def test_one_message_referenced_from_two_places_is_not_a_duplicate() -> None:
    shared = {"messageId": "userSignedUp"}  # the resolver inlines one object at both places
    document = {
        "channels": {
            "a": {"subscribe": {"message": shared}},
            "b": {"publish": {"message": shared}},
        }
    }
    first = message("/channels/a/subscribe/message", "userSignedUp")
    second = message("/channels/b/publish/message", "userSignedUp")
    model = spec(
        "2.6.0",
        channels=(
            channel("/channels/a", "a", messages=(first,)),
            channel("/channels/b", "b", messages=(second,)),
        ),
        operations=(operation("/channels/a/subscribe", "s", (first,)),),
        document=document,
    )
    assert found(model) == []


# undeclared-parameter / unused-parameter


def test_undeclared_address_parameter_names_channel_and_parameter() -> None:
    model = spec(channels=(channel("/channels/signup", "user/{userId}/signedup"),))
    assert found(model) == [
        (
            "undeclared-parameter",
            "/channels/signup/address",
            "channel 'user/{userId}/signedup' uses address parameter 'userId' "
            "but declares no parameter 'userId'",
        )
    ]


def test_v2_undeclared_parameter_points_at_the_channel_key() -> None:
    model = spec("2.6.0", channels=(channel("/channels/a~1{id}", "a/{id}"),))
    assert [(rule, pointer) for rule, pointer, _ in found(model)] == [
        ("undeclared-parameter", "/channels/a~1{id}")
    ]


def test_unused_parameter_points_at_its_declaration() -> None:
    model = spec(channels=(channel("/channels/c", "user/{userId}", ("userId", "region")),))
    assert found(model) == [
        (
            "unused-parameter",
            "/channels/c/parameters/region",
            "channel 'user/{userId}' declares parameter 'region' but its address has no {region}",
        )
    ]


def test_declared_and_used_parameters_are_fine() -> None:
    model = spec(channels=(channel("/channels/c", "{region}/user/{userId}", ("userId", "region")),))
    assert found(model) == []


def test_channel_without_address_checks_no_parameters() -> None:
    model = spec(channels=(channel("/channels/c", None, ("userId",)),))
    assert found(model) == []


# invalid-example

USER = {"type": "object", "required": ["id"], "properties": {"id": {"type": "string"}}}


def test_example_payload_breaking_the_schema() -> None:
    examples = (
        MessageExample(name="good", payload={"id": "u1"}, has_payload=True),
        MessageExample(name="bad", payload={"id": 7}, has_payload=True),
    )
    msg = message("/channels/c/messages/m", payload=USER, examples=examples)
    rules = found(spec(channels=(channel("/channels/c", "c", messages=(msg,)),)))
    assert [(rule, pointer) for rule, pointer, _ in rules] == [
        ("invalid-example", "/channels/c/messages/m/examples/1/payload/id")
    ]
    text = rules[0][2]
    assert text.startswith("example 'bad' of message 'm' breaks its payload schema ")
    assert text.endswith("(keyword: type)")


def test_example_headers_are_checked_too() -> None:
    examples = (MessageExample(name=None, headers={"id": None}, has_headers=True),)
    msg = message("/channels/c/messages/m", headers=USER, examples=examples)
    rules = found(spec(channels=(channel("/channels/c", "c", messages=(msg,)),)))
    assert [(rule, pointer) for rule, pointer, _ in rules] == [
        ("invalid-example", "/channels/c/messages/m/examples/0/headers/id")
    ]
    assert rules[0][2].startswith("example #0 of message 'm' breaks its headers schema ")


def test_valid_examples_and_missing_parts_are_fine() -> None:
    examples = (
        MessageExample(name="ok", payload={"id": "u1"}, has_payload=True),
        MessageExample(name="headers only", headers={"id": "h"}, has_headers=True),
    )
    msg = message("/channels/c/messages/m", payload=USER, examples=examples)
    assert found(spec(channels=(channel("/channels/c", "c", messages=(msg,)),))) == []


def test_unchecked_schema_format_is_not_a_finding() -> None:
    examples = (MessageExample(name="x", payload={"id": 7}, has_payload=True),)
    msg = message(
        "/channels/c/messages/m",
        payload={"type": "x-unknown"},
        examples=examples,
        schema_format="application/x-unknown-format",
    )
    assert found(spec(channels=(channel("/channels/c", "c", messages=(msg,)),))) == []
