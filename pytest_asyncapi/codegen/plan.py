"""What to generate for a document: which classes, channels and helpers, with their names.

Every name is decided here, once, in document order, so the output is deterministic and a
name two things would share gets a suffix instead of silently shadowing the other.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from pytest_asyncapi.brokers import registry
from pytest_asyncapi.check.message_check import is_json_content_type
from pytest_asyncapi.codegen.naming import Names, class_name, snake_name
from pytest_asyncapi.codegen.schemas import SchemaDocument
from pytest_asyncapi.routing import channel_destination
from pytest_asyncapi.schemas.dialects import dialect_for
from pytest_asyncapi.spec.building import address_parameters

if TYPE_CHECKING:
    from pytest_asyncapi.spec.model import Channel, Message, Parameter, SchemaSpec, Spec

PRIMITIVE_KEYS = {"string": "str", "integer": "int", "number": "float", "boolean": "bool"}


@dataclass(frozen=True)
class ParameterPlan:
    name: str
    """As the address writes it (``streetlightId``)."""
    argument: str
    """The keyword argument (``streetlight_id``)."""
    python_type: str
    enum: tuple[str, ...] | None
    pattern: str | None
    min_length: int | None
    max_length: int | None


@dataclass(frozen=True)
class ChannelPlan:
    channel: Channel
    constant: str
    function: str
    parameters: tuple[ParameterPlan, ...]
    destinations: dict[str, str | None]
    """Protocol -> destination template (the routing rule's; ``None``: a dynamic address)."""
    sends: tuple[str, ...]
    receives: tuple[str, ...]


@dataclass(frozen=True)
class MessagePlan:
    """One message on one channel: its classes and the names of its helpers."""

    channel: ChannelPlan
    message: Message
    stem: str
    """snake_case base of the helper names (``user_signed_up``)."""
    payload_class: str | None
    headers_class: str | None
    key_type: str | None
    encoding: str | None
    """``json`` or ``text`` (a string payload of a non-JSON content type); ``None``: no helper."""


@dataclass
class Plan:
    spec: Spec
    schemas: SchemaDocument
    channels: list[ChannelPlan] = field(default_factory=list)
    messages: list[MessagePlan] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    """What was not generated, and why (shown by the CLI and written into the package)."""


def make_plan(spec: Spec, package: str) -> Plan:
    plan = Plan(spec, SchemaDocument({"ContractModel", "Email", "Uri"}, f"{package}._formats"))
    channel_names = Names({"ChannelInfo"})
    function_names = Names()
    stems = Names()
    for channel in spec.channels:
        chan = _channel_plan(spec, channel, channel_names, function_names)
        plan.channels.append(chan)
        for message in channel.messages:
            plan.messages.append(_message_plan(plan, chan, message, stems))
    return plan


def _channel_plan(spec: Spec, channel: Channel, names: Names, functions: Names) -> ChannelPlan:
    base = snake_name(channel.id, "channel")
    destinations = {
        protocol: channel_destination(channel, protocol, slash_to_dot=False, overrides={})
        for protocol in registry.names()
    }
    arguments = Names({"protocol"})
    found = [channel.address, *destinations.values()]
    parameters = tuple(
        _parameter_plan(name, channel.parameter(name), arguments)
        for name in dict.fromkeys(p for template in found for p in address_parameters(template))
    )
    return ChannelPlan(
        channel=channel,
        constant=names.claim(base.upper()),
        function=functions.claim(f"{base}_address"),
        parameters=parameters,
        destinations=destinations,
        sends=tuple(m.display_name for m in spec.sent_messages(channel)),
        receives=tuple(m.display_name for m in spec.received_messages(channel)),
    )


def _parameter_plan(name: str, parameter: Parameter | None, arguments: Names) -> ParameterPlan:
    schema: Any = parameter.schema.schema if parameter and parameter.schema else {}
    schema = schema if isinstance(schema, dict) else {}
    enum = parameter.enum if parameter and parameter.enum else None
    if enum is None and isinstance(schema.get("enum"), list):
        enum = tuple(str(v) for v in schema["enum"])
    python_type = "str"
    if enum:
        python_type = "Literal[" + ", ".join(repr(v) for v in enum) + "]"
    elif schema.get("type") == "integer":
        python_type = "int"
    pattern = schema.get("pattern")
    return ParameterPlan(
        name=name,
        argument=arguments.claim(snake_name(name, "parameter")),
        python_type=python_type,
        enum=enum,
        pattern=pattern if isinstance(pattern, str) else None,
        min_length=_int(schema.get("minLength")),
        max_length=_int(schema.get("maxLength")),
    )


def _int(value: Any) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def _message_plan(plan: Plan, chan: ChannelPlan, message: Message, stems: Names) -> MessagePlan:
    label = message.display_name
    where = f"channel {chan.channel.id!r}, message {label!r}"
    payload = _model(plan, message.payload, class_name(label) + "Payload", where, "payload")
    headers = _model(plan, message.headers, class_name(label) + "Headers", where, "headers")
    encoding: str | None = None
    if message.payload is None or payload is not None:
        encoding = _encoding(message, plan.spec.default_content_type)
        if encoding is None:
            plan.notes.append(
                f"{where}: no publish helper: content type {message.content_type!r} is not JSON "
                "and the payload is not a string"
            )
    if message.headers is not None and headers is None:
        encoding = None
    return MessagePlan(
        channel=chan,
        message=message,
        stem=stems.claim(snake_name(label, "message")),
        payload_class=payload,
        headers_class=headers,
        key_type=_key_type(message.key_schema),
        encoding=encoding,
    )


def _model(
    plan: Plan, part: SchemaSpec | None, preferred: str, where: str, what: str
) -> str | None:
    if part is None:
        return None
    dialect = dialect_for(part.schema_format)
    if isinstance(dialect, str):
        plan.notes.append(f"{where}: no {what} model: {dialect}")
        return None
    return plan.schemas.add(part, preferred)


def _encoding(message: Message, default: str | None) -> str | None:
    content_type = message.content_type or default
    if is_json_content_type(content_type):
        return "json"
    schema = message.payload.schema if message.payload else None
    return "text" if isinstance(schema, dict) and schema.get("type") == "string" else None


def _key_type(key: SchemaSpec | None) -> str | None:
    if key is None:
        return None
    kind = key.schema.get("type") if isinstance(key.schema, dict) else None
    return PRIMITIVE_KEYS.get(kind, "Any") if isinstance(kind, str) else "Any"
