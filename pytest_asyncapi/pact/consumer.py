"""A pact as a consumer document: each interaction an expectation on a provider's message.

The consumer :class:`Spec` built here has, for every provider channel an interaction maps to,
a channel at the same destination whose messages the consumer *receives*: one per interaction,
named like the provider's message (so ``verify`` pairs them) and titled by the interaction's
description, with the payload schema derived from the contents and matching rules. Everything
that reads consumer documents (``verify``, ``--asyncapi-consumer``) then reads pacts too.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from pytest_asyncapi.pact.expectations import Expectations, derive
from pytest_asyncapi.pact.mapping import Mapped, Unmapped, candidates, map_contents
from pytest_asyncapi.pact.reader import SYNC, Contents, Interaction, PactFile, read_pact
from pytest_asyncapi.spec import v3
from pytest_asyncapi.spec.building import ADDRESS_PARAMETER, Context
from pytest_asyncapi.spec.model import Spec

if TYPE_CHECKING:
    from collections.abc import Mapping, Sequence
    from pathlib import Path

    from pytest_asyncapi.pact.mapping import Candidate

VERSION = "3.0.0"


@dataclass(frozen=True)
class PactExpectation:
    """One message the consumer relies on: an async message, or a sync interaction's reply.

    ``role`` is ``message`` (the consumer receives it), ``request`` (the consumer sends it:
    the provider must accept it) or ``reply``. ``key`` names it in the consumer document.
    """

    interaction: Interaction
    contents: Contents
    role: str
    target: Mapped | Unmapped
    expectations: Expectations | None
    key: str = ""

    @property
    def label(self) -> str:
        suffix = f" ({self.role})" if self.role != "message" else ""
        return self.interaction.description + suffix


@dataclass(frozen=True)
class PactConsumer:
    pact: PactFile
    spec: Spec
    items: tuple[PactExpectation, ...]

    @property
    def unmapped(self) -> tuple[tuple[PactExpectation, Unmapped], ...]:
        """Items that match no provider message, with why and the candidates."""
        return tuple((i, i.target) for i in self.items if isinstance(i.target, Unmapped))


def load_pact_consumer(
    path: Path, providers: Sequence[Spec], explicit: Mapping[str, str] | None = None
) -> PactConsumer:
    """Read ``path`` and build its consumer document against ``providers``' messages."""
    pact = read_pact(path)
    explicit = explicit or {}
    sent, received = candidates(providers, sends=True), candidates(providers, sends=False)
    items: list[PactExpectation] = []
    for interaction in pact.interactions:
        if interaction.kind == SYNC:
            items.append(_item(interaction, interaction.message, "request", received, explicit))
            items.extend(
                _item(interaction, reply, "reply", sent, explicit) for reply in interaction.response
            )
        else:
            items.append(_item(interaction, interaction.message, "message", sent, explicit))
    keyed = _with_keys(items)
    return PactConsumer(pact, _spec(pact, keyed), tuple(keyed))


def _item(
    interaction: Interaction,
    contents: Contents,
    role: str,
    pool: Sequence[Candidate],
    explicit: Mapping[str, str],
) -> PactExpectation:
    target = map_contents(interaction, contents, pool, explicit)
    expectations = derive(contents.body, contents.rules) if contents.is_json else None
    return PactExpectation(interaction, contents, role, target, expectations)


def _with_keys(items: list[PactExpectation]) -> list[PactExpectation]:
    used: set[str] = set()
    out = []
    for item in items:
        base = re.sub(r"[^A-Za-z0-9_-]+", "_", item.label).strip("_") or "interaction"
        key, n = base, 1
        while key in used:
            n += 1
            key = f"{base}_{n}"
        used.add(key)
        out.append(PactExpectation(**{**item.__dict__, "key": key}))
    return out


def _spec(pact: PactFile, items: Sequence[PactExpectation]) -> Spec:
    """The consumer document of the mapped messages the consumer receives, as a model."""
    channels: dict[str, dict[str, Any]] = {}
    protocols: list[str] = []
    for item in items:
        if item.role == "request" or not isinstance(item.target, Mapped):
            continue
        theirs = item.target.candidate
        protocols.extend(theirs.spec.protocols)
        channel = channels.setdefault(
            theirs.channel.id,
            {
                "address": theirs.channel.address,
                "bindings": dict(theirs.channel.bindings),
                "parameters": {
                    name: {} for name in ADDRESS_PARAMETER.findall(theirs.channel.address or "")
                },
                "messages": {},
            },
        )
        message: dict[str, Any] = {"name": theirs.message.display_name, "title": item.label}
        if item.contents.content_type:
            message["contentType"] = item.contents.content_type
        if item.expectations is not None:
            message["payload"] = item.expectations.schema
        channel["messages"][item.key] = message
    document: dict[str, Any] = {
        "asyncapi": VERSION,
        "info": {"title": f"{pact.consumer} (pact with {pact.provider})", "version": "pact"},
        "servers": {p: {"host": "pact", "protocol": p} for p in dict.fromkeys(protocols)},
        "channels": channels,
        "operations": {
            f"receive_{key}": {"action": "receive", "channel": raw} for key, raw in channels.items()
        },
    }
    ctx = Context(asyncapi_version=VERSION, default_content_type=None, origins={})
    servers, built, operations = v3.build(document, ctx)
    return Spec(
        source=pact.path,
        asyncapi_version=VERSION,
        title=document["info"]["title"],
        version="pact",
        default_content_type=None,
        servers=servers,
        channels=built,
        operations=operations,
        document=document,
    )
