"""The capture connection's frame parser reads the byte stream exactly as nats-py's own parser
does: the same messages, the same control frames, in the same order, however the stream is
cut into socket reads; a malformed frame raises nats-py's ProtocolError.

No server: the parser is fed bytes (the capture against a real server is tested in
``test_nats_capture.py`` and the conformance suite).
"""

from __future__ import annotations

import asyncio
from collections import deque
from typing import Any

import pytest
from nats.errors import ProtocolError
from nats.protocol.parser import Parser

from pytest_asyncapi.brokers.nats.receive import FIELDS, CaptureClient

Event = tuple[Any, ...]

BIG = bytes(range(256)) * 300  # 76.8 kB: spans many reads
TRICKY = b"x\r\nMSG fake 1 3\r\nabc\r\nPING\r\n"  # frames inside a payload are payload


def msg(subject: str, sid: int, payload: bytes, reply: str = "") -> bytes:
    head = (
        f"MSG {subject} {sid} {reply} {len(payload)}"
        if reply
        else f"MSG {subject} {sid} {len(payload)}"
    )
    return head.encode() + b"\r\n" + payload + b"\r\n"


def hmsg(subject: str, sid: int, block: bytes, payload: bytes, reply: str = "") -> bytes:
    sizes = f"{len(block)} {len(block) + len(payload)}"
    head = f"HMSG {subject} {sid} {reply} {sizes}" if reply else f"HMSG {subject} {sid} {sizes}"
    return head.encode() + b"\r\n" + block + payload + b"\r\n"


STREAM = b"".join(
    [
        b'INFO {"server_id":"S1","max_payload":1048576}\r\n',
        b"+OK\r\n",
        msg("orders.eu", 1, b"hello"),
        msg("orders.us", 1, b"hi", reply="_INBOX.a.b"),
        hmsg("orders.eu", 1, b"NATS/1.0\r\nX-Version: 1\r\n\r\n", b"{} 42"),
        hmsg("orders.eu", 1, b"NATS/1.0\r\n\r\n", b"", reply="_INBOX.c"),
        msg("other", 2, b"abc"),  # not a capture subscription: nats-py's path
        b"PING\r\n",
        msg("empty", 1, b""),
        msg("big", 1, BIG),
        b"PONG\r\n",
        b"MSG\tspaced\t1  4\r\ntabs\r\n",  # whitespace nats-py accepts
        msg("tricky", 1, TRICKY),
        b"-ERR 'Permissions Violation for Subscription to \"secret\"'\r\n",
        hmsg("status", 1, b"NATS/1.0 503 No Responders\r\n\r\n", b""),
        hmsg("other.h", 2, b"NATS/1.0\r\nA: b\r\n\r\n", b"x"),
        msg("last", 1, b"z"),
    ]
)


class _Log(deque[Any]):
    """The capture sink, logging each frame of a batch (without the read's time) in order."""

    def __init__(self, events: list[Event]) -> None:
        super().__init__()
        self.events = events

    def append(self, batch: Any) -> None:
        _at, frames = batch
        assert frames
        assert len(frames) % FIELDS == 0
        for at in range(0, len(frames), FIELDS):
            sid, subject, reply, payload, block = frames[at : at + FIELDS]
            self.events.append(("msg", sid, bytes(subject), bytes(reply), payload, block))


class _Reference:
    """What nats-py's own parser hands its client."""

    def __init__(self) -> None:
        self.events: list[Event] = []

    async def _process_msg(
        self, sid: int, subject: bytes, reply: bytes, data: bytes, hdr: Any
    ) -> None:
        self.events.append(("msg", sid, bytes(subject), bytes(reply), data, hdr))

    async def _process_ping(self) -> None:
        self.events.append(("ping",))

    async def _process_pong(self) -> None:
        self.events.append(("pong",))

    async def _process_info(self, info: dict[str, Any]) -> None:
        self.events.append(("info", info))

    async def _process_err(self, text: str) -> None:
        self.events.append(("err", text))


class _Capture(CaptureClient):
    def __init__(self) -> None:
        self.events: list[Event] = []
        super().__init__(_Log(self.events), lambda: None)
        self.capture_sids = frozenset({1})

    async def _process_msg(
        self, sid: int, subject: bytes, reply: bytes, data: bytes, headers: Any
    ) -> None:
        if sid in self.capture_sids:
            await super()._process_msg(sid, subject, reply, data, headers)
        else:
            self.events.append(("msg", sid, bytes(subject), bytes(reply), data, headers))

    async def _process_ping(self) -> None:
        self.events.append(("ping",))

    async def _process_pong(self) -> None:
        self.events.append(("pong",))

    async def _process_info(self, info: dict[str, Any], initial_connection: bool = False) -> None:
        self.events.append(("info", info))

    async def _process_err(self, err_msg: str) -> None:
        self.events.append(("err", err_msg))


def _feed(parse: Any, stream: bytes, size: int) -> None:
    async def run() -> None:
        for start in range(0, len(stream), size):
            await parse(stream[start : start + size])

    asyncio.run(run())


def _reference(stream: bytes) -> list[Event]:
    nc = _Reference()
    _feed(Parser(nc).parse, stream, len(stream))
    return nc.events


@pytest.mark.parametrize("size", [1, 2, 3, 7, 64, 1000, 32768, len(STREAM)])
def test_reads_the_stream_as_nats_py_does_however_it_is_cut(size: int) -> None:
    expected = _reference(STREAM)
    client = _Capture()
    _feed(client._ps.parse, STREAM, size)
    assert client.events == expected
    assert client.received == sum(1 for e in expected if e[0] == "msg" and e[1] == 1)
    assert not client._ps.buf


def test_a_capture_frame_keeps_its_raw_parts() -> None:
    client = _Capture()
    block = b"NATS/1.0\r\nA: 1\r\n\r\n"
    _feed(client._ps.parse, hmsg("a.b", 1, block, b"ok", reply="_INBOX.r"), 5)
    assert client.events == [("msg", 1, b"a.b", b"_INBOX.r", b"ok", block)]


@pytest.mark.parametrize(
    "frame",
    [b"MSG a 1 x\r\nabc\r\n", b"BOGUS\r\n", b"MSG a 1\r\n", b"PINGPONG\r\n"],
    ids=["size not a number", "unknown op", "too few fields", "unknown control line"],
)
def test_a_malformed_frame_raises_protocol_error_like_nats_py(frame: bytes) -> None:
    stream = b"MSG ok 1 1\r\nz\r\n" + frame
    with pytest.raises(ProtocolError):
        _reference(stream)
    client = _Capture()
    with pytest.raises(ProtocolError):
        _feed(client._ps.parse, stream, len(stream))
    assert client.events[0] == ("msg", 1, b"ok", b"", b"z", None)  # what came before is kept


def test_a_reset_during_a_frame_voids_the_rest_of_the_read_as_in_nats_py() -> None:
    """nats-py resets its parser on a fatal ``-ERR`` (a reconnect follows): the bytes read
    after it belong to the old connection and are dropped, by both parsers."""
    stream = msg("a", 1, b"1") + b"-ERR 'Stale Connection'\r\n" + msg("b", 1, b"2")

    class Resetting(_Capture):
        async def _process_err(self, err_msg: str) -> None:
            await super()._process_err(err_msg)
            self._ps.reset()

    reference = _Reference()
    parser = Parser(reference)

    async def reset_too(text: str) -> None:
        reference.events.append(("err", text))
        parser.reset()

    reference._process_err = reset_too  # type: ignore[method-assign]
    _feed(parser.parse, stream, len(stream))
    client = Resetting()
    _feed(client._ps.parse, stream, len(stream))
    assert (
        client.events
        == reference.events
        == [
            ("msg", 1, b"a", b"", b"1", None),
            ("err", "'stale connection'"),
        ]
    )
    assert not client._ps.buf
