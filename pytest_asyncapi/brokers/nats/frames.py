"""What the NATS capture receives, turned into records, in the pytest thread.

The receive path keeps a frame as the client's parser handed it over: subject, reply and
header block as raw bytes. Here they are read strictly: a subject or reply that is not UTF-8,
a header block that does not start with ``NATS/1.0`` or has a line without ``:`` becomes a
record whose ``defect`` says so (the judge reports it as invalid, naming its subject); the
session goes on.

Headers become ``(name, raw value bytes)`` pairs in wire order. A status line
(``NATS/1.0 503 No Responders``) becomes the ``Status`` and ``Description`` pairs, as nats-py
names them.
"""

from __future__ import annotations

from pytest_asyncapi.captured import Captured
from pytest_asyncapi.errors import BrokerError

__all__ = ["HeaderBlockError", "check_subject", "parse_headers", "to_captured"]

Headers = tuple[tuple[str, bytes], ...]
_PREFIX = b"NATS/1.0"
_SHOWN = 40


class HeaderBlockError(ValueError):
    """A header block that is not ``NATS/1.0`` followed by ``Name: value`` lines."""


def parse_headers(block: bytes) -> Headers:
    """``(name, value)`` pairs of a ``NATS/1.0[ status]\\r\\nName: value\\r\\n...`` block."""
    if not block.startswith(_PREFIX):
        raise HeaderBlockError(f"header block does not start with NATS/1.0: {block[:_SHOWN]!r}")
    lines = block.split(b"\r\n")
    pairs: list[tuple[str, bytes]] = []
    status = lines[0][len(_PREFIX) :].strip()
    if status:
        code, _, description = status.partition(b" ")
        pairs.append(("Status", code))
        if description.strip():
            pairs.append(("Description", description.strip()))
    for line in lines[1:]:
        if not line:
            continue
        name, sep, value = line.partition(b":")
        if not sep:
            raise HeaderBlockError(f"header line without ':': {line[:_SHOWN]!r}")
        try:
            text = name.strip().decode()
        except UnicodeDecodeError:
            raise HeaderBlockError(f"header name is not UTF-8: {name[:_SHOWN]!r}") from None
        pairs.append((text, value.strip()))
    return tuple(pairs)


def to_captured(
    subject: bytes, reply: bytes, payload: bytes, block: bytes | None, at: float, seq: int
) -> Captured:
    """One record; a frame that cannot be read normally keeps its bytes and gets a defect."""
    defects = []
    try:
        destination = subject.decode()
    except UnicodeDecodeError:
        destination = subject.decode("utf-8", "backslashreplace")
        defects.append(f"subject is not UTF-8: {subject[:_SHOWN]!r}")
    try:
        reply_to = reply.decode() if reply else None
    except UnicodeDecodeError:
        reply_to = reply.decode("utf-8", "backslashreplace")
        defects.append(f"reply subject is not UTF-8: {reply[:_SHOWN]!r}")
    headers: Headers | None = None
    if block is not None:
        try:
            headers = parse_headers(block)
        except HeaderBlockError as error:
            defects.append(str(error))
    return Captured(
        destination,
        payload,
        headers,
        at,
        seq,
        reply=reply_to,
        defect="; ".join(defects) or None,
    )


def check_subject(subject: str, *, wildcards: bool) -> None:
    """Raise :class:`BrokerError` unless ``subject`` is a valid subject (or pattern)."""
    tokens = subject.split(".")
    bad = (
        not subject
        or any(c in subject for c in " \t\r\n")
        or any(not t for t in tokens)
        or (not wildcards and any(t in ("*", ">") for t in tokens))
        or any(t == ">" for t in tokens[:-1])
    )
    if bad:
        kind = "subject pattern" if wildcards else "subject (no wildcards)"
        raise BrokerError(
            f"invalid NATS {kind}: {subject!r}",
            hint="tokens are separated by '.', may not be empty or contain whitespace; "
            "'*' is one token, '>' only the last",
        )
