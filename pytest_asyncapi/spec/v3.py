"""AsyncAPI 3.x -> model.

Operations say ``action: send | receive`` from the application's side already. They point at
their channel and at a subset of the channel's messages by ``$ref``; after resolution those are
the very same objects, so they are matched by identity. No ``messages`` = all the channel's.
"""

from __future__ import annotations

from typing import Any

from pytest_asyncapi import jsonpointer
from pytest_asyncapi.spec.building import (
    Context,
    build_message,
    build_parameter,
    build_server,
    mapping,
    text,
)
from pytest_asyncapi.spec.model import Action, Channel, Message, Operation, Reply, Server
from pytest_asyncapi.spec.traits import apply_traits


def build(
    document: dict[str, Any], ctx: Context
) -> tuple[tuple[Server, ...], tuple[Channel, ...], tuple[Operation, ...]]:
    """Servers, channels and operations of a resolved 3.x document."""
    servers = tuple(
        build_server(name, raw)
        for name, raw in mapping(document.get("servers")).items()
        if isinstance(raw, dict)
    )
    channels: list[Channel] = []
    channel_ids: dict[int, str] = {}
    messages_by_channel: dict[str, dict[int, Message]] = {}
    for key, raw in mapping(document.get("channels")).items():
        if not isinstance(raw, dict):
            continue
        channel = _channel(ctx, key, raw)
        channels.append(channel)
        channel_ids[id(raw)] = key
        raw_messages = [m for m in mapping(raw.get("messages")).values() if isinstance(m, dict)]
        messages_by_channel[key] = {
            id(r): m for r, m in zip(raw_messages, channel.messages, strict=True)
        }
    operations = tuple(
        _operation(ctx, key, raw, channel_ids, messages_by_channel)
        for key, raw in mapping(document.get("operations")).items()
        if isinstance(raw, dict) and id(raw.get("channel")) in channel_ids
    )
    return servers, tuple(channels), operations


def _channel(ctx: Context, key: str, raw: dict[str, Any]) -> Channel:
    pointer = "/channels/" + jsonpointer.escape(key)
    return Channel(
        id=key,
        address=text(raw.get("address")),
        parameters=tuple(
            build_parameter(ctx, name, value, f"{pointer}/parameters/{jsonpointer.escape(name)}")
            for name, value in mapping(raw.get("parameters")).items()
            if isinstance(value, dict)
        ),
        messages=tuple(
            build_message(ctx, value, name, f"{pointer}/messages/{jsonpointer.escape(name)}")
            for name, value in mapping(raw.get("messages")).items()
            if isinstance(value, dict)
        ),
        bindings=mapping(raw.get("bindings")),
        servers=tuple(_server_names(ctx, raw.get("servers"))),
        pointer=pointer,
    )


def _server_names(ctx: Context, refs: Any) -> list[str]:
    """3.x channels list servers by ``$ref``; the names come from where those refs pointed."""
    if not isinstance(refs, list):
        return []
    return [name for s in refs if (name := ctx.component_name(s, "servers") or _server_ref(ctx, s))]


def _server_ref(ctx: Context, node: Any) -> str | None:
    ref = ctx.origins.get(id(node), "")
    return jsonpointer.unescape(ref.split("#/servers/", 1)[1]) if "#/servers/" in ref else None


def _operation(
    ctx: Context,
    key: str,
    raw: dict[str, Any],
    channel_ids: dict[int, str],
    messages_by_channel: dict[str, dict[int, Message]],
) -> Operation:
    merged = apply_traits(raw, 3)
    channel_id = channel_ids[id(raw.get("channel"))]
    known = messages_by_channel[channel_id]
    pointer = "/operations/" + jsonpointer.escape(key)
    raw_messages = merged.get("messages")
    if isinstance(raw_messages, list):
        messages = tuple(
            known.get(id(m))
            or build_message(
                ctx, m, _label(m, index), jsonpointer.child(pointer, "messages", index)
            )
            for index, m in enumerate(raw_messages)
            if isinstance(m, dict)
        )
    else:
        messages = tuple(known.values())
    action = Action.SEND if merged.get("action") == "send" else Action.RECEIVE
    return Operation(
        id=key,
        action=action,
        channel_id=channel_id,
        messages=messages,
        bindings=mapping(merged.get("bindings")),
        summary=text(merged.get("summary")),
        pointer=pointer,
        reply=_reply(ctx, merged.get("reply"), pointer, channel_ids, messages_by_channel),
    )


def _reply(
    ctx: Context,
    raw: Any,
    operation_pointer: str,
    channel_ids: dict[int, str],
    messages_by_channel: dict[str, dict[int, Message]],
) -> Reply | None:
    """``operation.reply``: its channel (matched by identity), address expression, messages."""
    if not isinstance(raw, dict):
        return None
    pointer = jsonpointer.child(operation_pointer, "reply")
    channel_id = channel_ids.get(id(raw.get("channel")))
    known = messages_by_channel.get(channel_id or "", {})
    raw_messages = raw.get("messages")
    if isinstance(raw_messages, list):
        messages = tuple(
            known.get(id(m))
            or build_message(
                ctx, m, _label(m, index), jsonpointer.child(pointer, "messages", index)
            )
            for index, m in enumerate(raw_messages)
            if isinstance(m, dict)
        )
    else:
        messages = tuple(known.values())
    return Reply(
        channel_id=channel_id,
        address=text(mapping(raw.get("address")).get("location")),
        messages=messages,
        pointer=pointer,
    )


def _label(message: dict[str, Any], index: int) -> str:
    return text(message.get("name")) or text(message.get("messageId")) or f"message #{index}"
