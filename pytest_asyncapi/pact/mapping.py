"""Pair each Pact interaction with a message the provider's document declares.

In order: the destination named in the interaction's metadata (the keys Pact users put there:
``destination``, ``topic``, ``subject``, ``queue``, ``channel``, ``routingKey`` …); else the
message's name, id, key or title found in the interaction's description (or a ``messageName``
metadata key); else an explicit map (``DESCRIPTION=CHANNEL[/MESSAGE]``). When a destination has
several candidate messages the name decides, then the one whose payload schema accepts the
pact's example (only there: without a destination, a schema that happens to accept the example
is no evidence). Anything left ambiguous or unmatched is an :class:`Unmapped` that lists the
candidates — never a guess.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from pytest_asyncapi.compat.matching import destination
from pytest_asyncapi.errors import SchemaCompileError
from pytest_asyncapi.routing import destination_regex
from pytest_asyncapi.schemas.compile import Verdict, compile_schema

if TYPE_CHECKING:
    from collections.abc import Mapping, Sequence

    from pytest_asyncapi.pact.reader import Contents, Interaction
    from pytest_asyncapi.spec.model import Channel, Message, Spec

DESTINATION_KEYS = (
    "destination",
    "topic",
    "kafka_topic",
    "kafkaTopic",
    "subject",
    "channel",
    "queue",
    "queueName",
    "routingKey",
    "routing_key",
    "address",
)
NAME_KEYS = ("messageName", "message_name", "messageType", "eventType", "event_type", "type")


@dataclass(frozen=True)
class Candidate:
    spec: Spec
    channel: Channel
    message: Message

    def label(self) -> str:
        where = destination(self.spec, self.channel)
        return f"{self.channel.id}/{self.message.display_name} ({where})"


@dataclass(frozen=True)
class Mapped:
    candidate: Candidate
    how: str


@dataclass(frozen=True)
class Unmapped:
    reason: str
    candidates: tuple[Candidate, ...]

    def render(self) -> str:
        listed = "; ".join(c.label() for c in self.candidates) or "none"
        return f"{self.reason}; candidates: {listed}"


def candidates(providers: Sequence[Spec], *, sends: bool) -> list[Candidate]:
    """Every message the providers send (``sends``) or receive, with its channel."""
    found: list[Candidate] = []
    for spec in providers:
        for channel in spec.channels:
            messages = spec.sent_messages(channel) if sends else spec.received_messages(channel)
            found.extend(Candidate(spec, channel, m) for m in messages)
    return found


def map_contents(
    interaction: Interaction,
    contents: Contents,
    pool: Sequence[Candidate],
    explicit: Mapping[str, str],
) -> Mapped | Unmapped:
    """The provider message ``contents`` of ``interaction`` corresponds to."""
    if interaction.description in explicit:
        return _explicit(explicit[interaction.description], pool)
    where = _destination(contents.metadata)
    if where is not None:
        here = [c for c in pool if _at(c, where)]
        if not here:
            return Unmapped(f"no provider channel is at destination {where!r}", tuple(pool))
        if len(here) == 1:
            return Mapped(here[0], f"destination {where}")
        return _narrow(interaction, contents, here, f"destination {where}")
    return _narrow(interaction, contents, list(pool), "name")


def _explicit(target: str, pool: Sequence[Candidate]) -> Mapped | Unmapped:
    channel, _, message = target.partition("/")
    hits = [
        c
        for c in pool
        if channel in (c.channel.id, c.channel.address, destination(c.spec, c.channel))
        and (not message or c.message.known_as(message))
    ]
    if len(hits) == 1:
        return Mapped(hits[0], f"explicit map {target}")
    why = "matches no provider message" if not hits else "matches several provider messages"
    return Unmapped(f"the map entry {target!r} {why}", tuple(hits or pool))


def _destination(metadata: Mapping[str, Any]) -> str | None:
    for key in DESTINATION_KEYS:
        value = metadata.get(key)
        if isinstance(value, str) and value:
            return value
    return None


def _at(candidate: Candidate, where: str) -> bool:
    mine = destination(candidate.spec, candidate.channel)
    if mine is None:
        return False
    return mine == where or destination_regex(mine).fullmatch(where) is not None


def _norm(text: str) -> str:
    return re.sub(r"[^a-z0-9]", "", text.lower())


def _narrow(
    interaction: Interaction, contents: Contents, pool: list[Candidate], how: str
) -> Mapped | Unmapped:
    said = [interaction.description] + [
        str(contents.metadata[k]) for k in NAME_KEYS if isinstance(contents.metadata.get(k), str)
    ]
    wanted = [_norm(s) for s in said]
    scored: list[tuple[int, Candidate]] = []
    for candidate in pool:
        m = candidate.message
        labels = [_norm(x) for x in (m.name, m.message_id, m.key, m.title) if x]
        best = max(
            (len(label) for label in labels if len(label) >= 4 and any(label in w for w in wanted)),
            default=0,
        )
        if best:
            scored.append((best, candidate))
    if scored:
        top = max(s for s, _ in scored)
        named = [c for s, c in scored if s == top]
        if len(named) == 1:
            return Mapped(named[0], f"{how}, message named in the description")
        pool = named
    if contents.is_json and how != "name":  # only among the messages of one destination
        accepting = [c for c in pool if _accepts(c.message, contents.body)]
        if len(accepting) == 1:
            return Mapped(accepting[0], f"{how}, the only schema that accepts the example")
    reason = (
        f"interaction {interaction.description!r} names no destination"
        if how == "name"
        else f"interaction {interaction.description!r} fits several messages at the {how}"
    )
    return Unmapped(reason + " and no provider message is identified", tuple(pool))


def _accepts(message: Message, body: Any) -> bool:
    if message.payload is None:
        return False
    try:
        return compile_schema(message.payload).check(body).verdict is Verdict.VALID
    except SchemaCompileError:  # a schema we cannot compile is not evidence either way
        return False
