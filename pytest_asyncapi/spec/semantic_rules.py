"""Rules the official JSON Schema cannot express, checked on the model.

- ``duplicate-operation-id``: two operations share an id.
- ``duplicate-message-id``: two different message objects share a ``messageId``.
- ``undeclared-parameter``: a ``{param}`` in a channel address has no declaration.
- ``unused-parameter``: a declared parameter does not appear in the address.
- ``invalid-example``: a message example breaks the message's payload or headers schema.
- ``binding-address-mismatch`` (warning): a channel's NATS ``subject`` or Kafka ``topic``
  binding differs from its address; the binding's destination is the one captured.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from pytest_asyncapi import jsonpointer
from pytest_asyncapi.errors import SchemaCompileError
from pytest_asyncapi.schemas.compile import Verdict, compile_schema
from pytest_asyncapi.spec.building import address_parameters
from pytest_asyncapi.spec.model import Finding

if TYPE_CHECKING:
    from collections.abc import Iterator

    from pytest_asyncapi.schemas.compile import CompiledSchema
    from pytest_asyncapi.spec.model import Channel, Message, SchemaSpec, Spec
    from pytest_asyncapi.spec.official_schema import Locate


def semantic_findings(spec: Spec, locate: Locate) -> list[Finding]:
    """Every semantic finding on ``spec``, in document order of the rules above."""

    def finding(rule: str, message: str, pointer: str) -> Finding:
        file, line = locate(pointer)
        return Finding(rule, message, file=file, pointer=pointer, line=line)

    raw = [
        *_duplicate_operation_ids(spec),
        *_duplicate_message_ids(spec),
        *(item for channel in spec.channels for item in _parameters(spec, channel)),
        *_invalid_examples(spec),
        *(item for channel in spec.channels for item in _binding_mismatch(spec, channel)),
    ]
    return [finding(*item) for item in raw]


def _duplicate_operation_ids(spec: Spec) -> Iterator[tuple[str, str, str]]:
    first: dict[str, str] = {}
    for operation in spec.operations:
        earlier = first.setdefault(operation.id, operation.pointer)
        if earlier != operation.pointer:
            yield (
                "duplicate-operation-id",
                f"operation id {operation.id!r} is used by both #{earlier} and "
                f"#{operation.pointer}",
                operation.pointer,
            )


def _messages(spec: Spec) -> list[Message]:
    """Every message of the document, once per pointer."""
    found: dict[str, Message] = {}
    for channel in spec.channels:
        for message in channel.messages:
            found.setdefault(message.pointer, message)
    for operation in spec.operations:
        for message in operation.messages:
            found.setdefault(message.pointer, message)
    return list(found.values())


def _duplicate_message_ids(spec: Spec) -> Iterator[tuple[str, str, str]]:
    first: dict[str, Message] = {}
    for message in _messages(spec):
        if message.message_id is None:
            continue
        earlier = first.setdefault(message.message_id, message)
        if earlier is message or _same_object(spec, earlier, message):
            continue
        yield (
            "duplicate-message-id",
            f"messageId {message.message_id!r} is used by two different messages: "
            f"#{earlier.pointer} and #{message.pointer}",
            message.pointer,
        )


def _same_object(spec: Spec, one: Message, other: Message) -> bool:
    """Do both pointers reach one object (one message ``$ref``'d from two places)?"""
    try:
        return jsonpointer.resolve(spec.document, one.pointer) is jsonpointer.resolve(
            spec.document, other.pointer
        )
    except (LookupError, ValueError):
        return False


def _parameters(spec: Spec, channel: Channel) -> Iterator[tuple[str, str, str]]:
    if channel.address is None:
        return
    used = address_parameters(channel.address)
    address_pointer = (
        jsonpointer.child(channel.pointer, "address") if spec.major >= 3 else channel.pointer
    )
    for name in dict.fromkeys(used):
        if channel.parameter(name) is None:
            yield (
                "undeclared-parameter",
                f"channel {channel.address!r} uses address parameter {name!r} "
                f"but declares no parameter {name!r}",
                address_pointer,
            )
    for parameter in channel.parameters:
        if parameter.name not in used:
            yield (
                "unused-parameter",
                f"channel {channel.address!r} declares parameter {parameter.name!r} "
                f"but its address has no {{{parameter.name}}}",
                jsonpointer.child(channel.pointer, "parameters", parameter.name),
            )


def _binding_mismatch(spec: Spec, channel: Channel) -> Iterator[tuple[str, str, str]]:
    if not channel.bindings:
        return
    # the binding field that names a destination is each protocol's registry entry's
    from pytest_asyncapi.brokers.registry import descriptions

    for protocol, field in ((d.name, d.binding_field) for d in descriptions()):
        binding = channel.bindings.get(protocol)
        value = binding.get(field) if isinstance(binding, dict) else None
        if isinstance(value, str) and value and value != channel.address:
            yield (
                "binding-address-mismatch",
                f"channel {channel.id!r} has address {channel.address!r} but its {protocol} "
                f"binding names {field} {value!r}: {value!r} is what is captured",
                jsonpointer.child(channel.pointer, "bindings", protocol, field),
            )


def _invalid_examples(spec: Spec) -> Iterator[tuple[str, str, str]]:
    compiled: dict[int, CompiledSchema | None] = {}
    for message in _messages(spec):
        for index, example in enumerate(message.examples):
            label = repr(example.name) if example.name else f"#{index}"
            parts = (
                ("payload", message.payload, example.has_payload, example.payload),
                ("headers", message.headers, example.has_headers, example.headers),
            )
            for part, schema, present, value in parts:
                if schema is None or not present:
                    continue
                checker = _compiled(compiled, schema)
                if checker is None:
                    continue
                result = checker.check(value)
                # UNCHECKED (a schema format we cannot check) is no document problem: the
                # contract layer reports it as unchecked wherever that schema is used.
                if result.verdict is not Verdict.INVALID or not result.violations:
                    continue
                first, *rest = result.violations
                more = f" (and {len(rest)} more)" if rest else ""
                yield (
                    "invalid-example",
                    f"example {label} of message {message.display_name!r} breaks its {part} "
                    f"schema {first.schema_location}: {first.message} "
                    f"(keyword: {first.keyword}){more}",
                    jsonpointer.child(message.pointer, "examples", index, part) + first.pointer,
                )


def _compiled(cache: dict[int, CompiledSchema | None], schema: SchemaSpec) -> CompiledSchema | None:
    if id(schema) not in cache:
        try:
            cache[id(schema)] = compile_schema(schema)
        except SchemaCompileError:
            # A schema that cannot be compiled fails where its validator is built.
            cache[id(schema)] = None
    return cache[id(schema)]
