"""AsyncAPI 2.x -> model.

In 2.x the verbs are written from the *client's* side: ``subscribe`` means clients subscribe,
so the application **sends**; ``publish`` means it **receives**. Documents written the other
way round (common in the wild) are read with ``client_view=True``, which flips the rule.
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
from pytest_asyncapi.spec.model import Action, Channel, Message, Operation, Server
from pytest_asyncapi.spec.traits import apply_traits

VERBS = ("subscribe", "publish")


def action_of(verb: str, client_view: bool) -> Action:
    """The application's action for a 2.x operation verb."""
    sends = (verb == "subscribe") != client_view
    return Action.SEND if sends else Action.RECEIVE


def build(
    document: dict[str, Any], ctx: Context, client_view: bool
) -> tuple[tuple[Server, ...], tuple[Channel, ...], tuple[Operation, ...]]:
    """Servers, channels and operations of a resolved 2.x document."""
    servers = tuple(
        build_server(name, raw)
        for name, raw in mapping(document.get("servers")).items()
        if isinstance(raw, dict)
    )
    channels: list[Channel] = []
    operations: list[Operation] = []
    for key, item in mapping(document.get("channels")).items():
        if not isinstance(item, dict):
            continue
        pointer = jsonpointer.child("", "channels", key)
        channel_messages: list[Message] = []
        for verb in VERBS:
            raw_op = item.get(verb)
            if not isinstance(raw_op, dict):
                continue
            op_pointer = jsonpointer.child(pointer, verb)
            merged = apply_traits(raw_op, 2)
            messages = _operation_messages(ctx, merged, key, verb, op_pointer)
            channel_messages.extend(messages)
            operations.append(
                Operation(
                    id=text(merged.get("operationId")) or f"{verb} {key}",
                    action=action_of(verb, client_view),
                    channel_id=key,
                    messages=tuple(messages),
                    bindings=mapping(merged.get("bindings")),
                    summary=text(merged.get("summary")),
                    pointer=op_pointer,
                )
            )
        channels.append(
            Channel(
                id=key,
                address=key,
                parameters=tuple(
                    build_parameter(ctx, name, raw, jsonpointer.child(pointer, "parameters", name))
                    for name, raw in mapping(item.get("parameters")).items()
                    if isinstance(raw, dict)
                ),
                messages=tuple(channel_messages),
                bindings=mapping(item.get("bindings")),
                servers=tuple(s for s in item.get("servers", []) or [] if isinstance(s, str)),
                pointer=pointer,
            )
        )
    return servers, tuple(channels), tuple(operations)


def _operation_messages(
    ctx: Context, operation: dict[str, Any], channel: str, verb: str, pointer: str
) -> list[Message]:
    """The operation's ``message`` — one object, or ``oneOf`` a list of them."""
    raw = operation.get("message")
    if not isinstance(raw, dict):
        return []
    message_pointer = jsonpointer.child(pointer, "message")
    one_of = raw.get("oneOf")
    if isinstance(one_of, list):
        candidates = [
            (item, jsonpointer.child(message_pointer, "oneOf", index))
            for index, item in enumerate(one_of)
        ]
    else:
        candidates = [(raw, message_pointer)]
    messages = []
    for index, (item, item_pointer) in enumerate(candidates):
        if not isinstance(item, dict):
            continue
        key = (
            ctx.component_name(item, "messages")
            or text(item.get("name"))
            or text(item.get("messageId"))
            or f"{verb} {channel} #{index}"
        )
        messages.append(build_message(ctx, item, key, item_pointer))
    return messages
