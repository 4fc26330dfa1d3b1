"""What codegen needs to write one protocol's publish helpers (``<protocol>.py`` of a generated
package): a :class:`PublishHelpers` per protocol, in the protocol's folder (``codegen.py``),
reached through its registry description's ``publish_helpers``."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from collections.abc import Callable

    from pytest_asyncapi.spec.model import Channel, Spec


@dataclass(frozen=True)
class Publish:
    """One helper's publish call to render: expressions of the generated code."""

    spec: Spec
    channel: Channel
    destination: str
    """The variable holding the concrete destination (the routing rule's, parameters filled)."""
    payload: str
    """The payload as ``bytes``."""
    headers: str | None
    """The variable holding the declared headers as a list of ``(name, text)`` pairs, when
    the message has some."""
    key: str | None
    """The record key as text, when the protocol has keys and the message declares one."""


@dataclass(frozen=True)
class PublishHelpers:
    """One protocol's publish helpers: the client they take and how a publish is written."""

    library: str
    """The client library the helpers are written for (``nats-py``), for docstrings."""
    client_type: str
    """The name of the client ``Protocol`` class :attr:`client_text` defines."""
    client_text: str
    """Module-level code: the client ``Protocol`` (what the helpers call) and any helper."""
    returns: str
    """The helpers' return type."""
    call: Callable[[Publish], list[str]]
    """The statements of one helper after the destination is computed (unindented)."""
    typing_names: tuple[str, ...] = ("Protocol",)
    """Names :attr:`client_text` uses from ``typing``."""
