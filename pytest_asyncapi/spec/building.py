"""Pieces both version adapters use to turn resolved JSON into model objects.

Adapters are lenient: a part of the document with the wrong shape is skipped here (the
document checks report it), so a model is produced wherever one can be.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from pytest_asyncapi import jsonpointer
from pytest_asyncapi.spec.model import Message, MessageExample, Parameter, SchemaSpec, Server
from pytest_asyncapi.spec.traits import apply_traits

if TYPE_CHECKING:
    from collections.abc import Mapping

ADDRESS_PARAMETER = re.compile(r"{([^{}]+)}")
JSON_SCHEMA_DRAFT_07 = "application/schema+json;version=draft-07"


def mapping(value: Any) -> dict[str, Any]:
    """``value`` if it is a JSON object, else an empty one."""
    return value if isinstance(value, dict) else {}


def text(value: Any) -> str | None:
    """``value`` if it is a string, else ``None``."""
    return value if isinstance(value, str) else None


def address_parameters(address: str | None) -> list[str]:
    """Names of the ``{param}`` tokens in a channel address, in order."""
    return ADDRESS_PARAMETER.findall(address or "")


@dataclass(frozen=True)
class Context:
    """What every builder needs: the document's version and defaults, and the ref origins."""

    asyncapi_version: str
    default_content_type: str | None
    origins: Mapping[int, str]
    unresolved: Mapping[int, str] = field(default_factory=dict)
    """``id(reference object)`` -> why it is dangling (lenient loading)."""

    @property
    def major(self) -> int:
        return int(self.asyncapi_version.split(".", 1)[0])

    @property
    def default_schema_format(self) -> str:
        return f"application/vnd.aai.asyncapi+json;version={self.asyncapi_version}"

    def schema(
        self,
        value: Any,
        pointer: str,
        schema_format: str | None = None,
        unresolved: str | None = None,
    ) -> SchemaSpec:
        return SchemaSpec(
            schema=value,
            schema_format=schema_format or self.default_schema_format,
            pointer=pointer,
            origins=self.origins,
            unresolved=unresolved or self.dangling_in(value),
        )

    def dangling_in(self, node: Any) -> str | None:
        """Why ``node`` cannot be checked: the first dangling ``$ref`` inside it, if any."""
        if not self.unresolved:
            return None
        seen: set[int] = set()
        stack = [node]
        while stack:
            item = stack.pop()
            if not isinstance(item, dict | list) or id(item) in seen:
                continue
            seen.add(id(item))
            if id(item) in self.unresolved:
                return f"unresolved reference {self.unresolved[id(item)]}"
            stack.extend(item.values() if isinstance(item, dict) else item)
        return None

    def component_name(self, node: Any, section: str) -> str | None:
        """``X`` when ``node`` was written as ``$ref: '#/components/<section>/X'``."""
        ref = self.origins.get(id(node), "")
        prefix = f"#/components/{section}/"
        if prefix in ref:
            return jsonpointer.unescape(ref.split(prefix, 1)[1])
        return None


def build_server(name: str, raw: dict[str, Any]) -> Server:
    return Server(
        name=name,
        protocol=str(raw.get("protocol", "")).lower(),
        protocol_version=text(raw.get("protocolVersion")),
        url=text(raw.get("url")),
        host=text(raw.get("host")),
        pathname=text(raw.get("pathname")),
        bindings=mapping(raw.get("bindings")),
    )


def build_message(ctx: Context, raw: dict[str, Any], key: str, pointer: str) -> Message:
    """A message object (traits applied) -> :class:`Message`."""
    merged = apply_traits(raw, ctx.major)
    payload, payload_format = _schema_and_format(ctx, merged, "payload")
    headers, headers_format = _schema_and_format(ctx, merged, "headers")
    kafka = mapping(mapping(merged.get("bindings")).get("kafka"))
    broken = ctx.dangling_in(raw)  # the message (or its traits) names a missing target
    return Message(
        key=key,
        name=text(merged.get("name")),
        message_id=text(merged.get("messageId")),
        title=text(merged.get("title")),
        summary=text(merged.get("summary")),
        payload=(
            ctx.schema(payload, f"{pointer}/payload", payload_format, broken)
            if "payload" in merged or broken
            else None
        ),
        headers=(
            ctx.schema(headers, f"{pointer}/headers", headers_format)
            if "headers" in merged
            else None
        ),
        content_type=text(merged.get("contentType")) or ctx.default_content_type,
        correlation_id=mapping(merged.get("correlationId")) or None,
        examples=tuple(_examples(merged.get("examples"))),
        bindings=mapping(merged.get("bindings")),
        key_schema=(
            _key_schema(ctx, kafka["key"], jsonpointer.child(pointer, "bindings", "kafka", "key"))
            if "key" in kafka
            else None
        ),
        pointer=pointer,
    )


def _schema_and_format(ctx: Context, message: dict[str, Any], part: str) -> tuple[Any, str | None]:
    """The schema of ``part`` and its format (2.x ``schemaFormat``; 3.x multi-format object)."""
    value = message.get(part)
    if ctx.major >= 3:
        if isinstance(value, dict) and "schemaFormat" in value and "schema" in value:
            return value["schema"], text(value["schemaFormat"])
        return value, None
    return value, text(message.get("schemaFormat")) if part == "payload" else None


AVRO_1_9 = "application/vnd.apache.avro;version=1.9.0"
_AVRO_ONLY_TYPES = frozenset({"record", "enum", "fixed"})


def _key_schema(ctx: Context, value: Any, pointer: str) -> SchemaSpec:
    """A Kafka key schema: a multi-format object names its format; a schema that can only be
    Avro (``type: record|enum|fixed``, or taken from an ``.avsc`` file) is Avro."""
    if isinstance(value, dict) and "schemaFormat" in value and "schema" in value:
        return ctx.schema(
            value["schema"], jsonpointer.child(pointer, "schema"), text(value["schemaFormat"])
        )
    origin = ctx.origins.get(id(value), "")
    avro = isinstance(value, dict) and str(value.get("type")) in _AVRO_ONLY_TYPES
    if avro or ".avsc" in origin.split("#", 1)[0]:
        return ctx.schema(value, pointer, AVRO_1_9)
    return ctx.schema(value, pointer)


def _examples(raw: Any) -> list[MessageExample]:
    if not isinstance(raw, list):
        return []
    return [
        MessageExample(
            name=text(item.get("name")),
            payload=item.get("payload"),
            headers=item.get("headers"),
            has_payload="payload" in item,
            has_headers="headers" in item,
        )
        for item in raw
        if isinstance(item, dict)
    ]


def build_parameter(ctx: Context, name: str, raw: dict[str, Any], pointer: str) -> Parameter:
    """2.x parameters carry a ``schema``; 3.x ones ``enum``/``default`` (strings)."""
    schema_value = raw.get("schema")
    enum_source = raw.get("enum")
    default: Any = raw.get("default")
    schema: SchemaSpec | None = None
    if isinstance(schema_value, dict | bool):
        schema = ctx.schema(schema_value, jsonpointer.child(pointer, "schema"))
        if isinstance(schema_value, dict):
            enum_source = schema_value.get("enum", enum_source)
            default = schema_value.get("default", default)
    elif isinstance(enum_source, list):
        schema = ctx.schema({"type": "string", "enum": enum_source}, pointer, JSON_SCHEMA_DRAFT_07)
    enum = tuple(str(v) for v in enum_source) if isinstance(enum_source, list) else None
    return Parameter(
        name=name,
        schema=schema,
        enum=enum,
        default=None if default is None else str(default),
        location=text(raw.get("location")),
        description=text(raw.get("description")),
    )
