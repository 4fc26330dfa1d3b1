"""The NATS capture connection's receive path: a frame parser that keeps capture frames raw.

nats-py's parser matches each frame with regular expressions and awaits a coroutine per
message. :class:`CaptureParser` reads the ``MSG`` and ``HMSG`` frames of the capture
subscriptions itself, straight off the read buffer, and appends each as a raw
``(sid, subject, reply, payload, header block)`` to the client's ``sink``: no
``Msg`` object, no per-subscription queue, no header parsing, no await. The frames of one
socket read go into one flat list: no container per message, so the cyclic garbage
collector, which counts container allocations, does not run because of them (it cost a
sixth of a message's capture time when each frame was its own tuple). Every other frame
(``PING``, ``PONG``, ``INFO``, ``+OK``, ``-ERR``, messages of other subscriptions, and any
frame this parser does not fully understand) is handed, whole and in order, to nats-py's own
parser, so the protocol behaves exactly as nats-py's. A ``PONG`` is therefore processed only
after every message before it is in the sink.

``time`` is taken once per socket read: the moment the read that completed the frame
returned. A payload is copied once, from the read buffer into ``bytes``.
"""

from __future__ import annotations

import re
import time
from typing import TYPE_CHECKING, Any

from nats.aio.client import Client
from nats.protocol.parser import AWAITING_CONTROL_LINE, Parser

if TYPE_CHECKING:
    from collections import deque
    from collections.abc import Callable

__all__ = ["FIELDS", "Batch", "CaptureClient"]

FIELDS = 5
"""A frame in a :data:`Batch`: sid, subject, reply, payload, header block (``None``: none)."""
Batch = tuple[float, list[Any]]
"""The frames of one socket read: its time and their fields, :data:`FIELDS` per frame, flat.
A capture gap is a batch of one frame with sid -1 and its text as the subject."""

_CRLF = b"\r\n"
_WORD = rb"([^ \t\r\n]+)[ \t]+"
_SIZE = rb"([0-9]+)"
_MSG = re.compile(
    rb"MSG[ \t]+" + _WORD + _SIZE + rb"[ \t]+(?:" + _WORD + rb")?()" + _SIZE + b"\r\n"
)
_HMSG = re.compile(
    rb"HMSG[ \t]+"
    + _WORD
    + _SIZE
    + rb"[ \t]+(?:"
    + _WORD
    + rb")?"
    + _SIZE
    + rb"[ \t]+"
    + _SIZE
    + b"\r\n"
)
"""``MSG subject sid [reply] size`` and ``HMSG subject sid [reply] header-size size``."""
_LINE_OPS = (b"PING", b"PONG", b"+OK", b"-ERR", b"INFO")


class CaptureParser(Parser):
    """nats-py's parser with a fast path for the capture subscriptions' message frames."""

    nc: CaptureClient

    def reset(self) -> None:
        super().reset()
        self.want = 0
        """Bytes the frame at the start of ``buf`` needs before it can be read."""

    async def parse(self, data: bytes = b"") -> None:
        if self.state != AWAITING_CONTROL_LINE:  # nats-py is inside a frame it took over
            await super().parse(data)
            return
        if self.buf:  # the start of a frame came with the previous read
            self.buf.extend(data)
            if len(self.buf) < self.want:
                return
            chunk: bytes | bytearray = self.buf  # its payloads are copied out once
            self.buf = bytearray()
        else:
            chunk = data
        try:
            await self._parse(chunk)
        finally:
            self.nc.woken()

    async def _parse(self, chunk: bytes | bytearray) -> None:
        # a bytearray (frames that spanned reads) is copied out through a memoryview: once
        whole, view = (chunk, None) if isinstance(chunk, bytes) else (b"", memoryview(chunk))
        nc = self.nc
        sids = nc.sid_keys
        sink = nc.sink
        frames: list[Any] = []
        push = frames.extend
        msg = _MSG.match
        at = time.time()
        pos = 0
        size = len(chunk)
        taken = 0
        try:
            while pos < size:
                found = msg(chunk, pos) or _HMSG.match(chunk, pos)
                if found is not None:
                    subject, key, reply, header_size, total = found.groups()
                    start = found.end()
                    head = int(header_size) if header_size else 0
                    end = start + int(total) + 2
                    if end > size:
                        self.want = end - pos  # its payload is still on the way
                        break
                    sid = sids.get(key)
                    if sid is not None and head <= end - 2 - start:
                        if view is None:
                            block = whole[start : start + head] if head else None
                            payload = whole[start + head : end - 2]
                        else:
                            block = bytes(view[start : start + head]) if head else None
                            payload = bytes(view[start + head : end - 2])
                        push((sid, subject, reply or b"", payload, block))
                        taken += 1
                        pos = end
                        continue
                else:
                    eol = chunk.find(_CRLF, pos)
                    if eol < 0:
                        self.want = 0  # the line is still on the way
                        break
                    # any other frame, whole; one this parser cannot read: the rest, to nats-py
                    end = eol + 2 if chunk.startswith(_LINE_OPS, pos) else size
                if frames:  # in the sink before nats-py sees what follows them (a PONG)
                    sink.append((at, frames))
                    frames = []
                    push = frames.extend
                nc.received += taken
                taken = 0
                piece = self.buf = bytearray(chunk[pos:end])
                await super().parse()  # raises ProtocolError for a malformed frame, as nats-py does
                if end == size or piece or self.state != AWAITING_CONTROL_LINE:
                    # nats-py holds part of a frame: it reads on. (A fatal -ERR resets the
                    # parser, so ``piece`` is no longer its buffer: the rest of this read is void.)
                    piece.extend(chunk[end:])
                    self.want = 0
                    return
                pos = end
            self.buf = bytearray(chunk[pos:]) if pos < size else bytearray()
        finally:
            if frames:
                sink.append((at, frames))
            nc.received += taken


class CaptureClient(Client):
    """nats-py's client whose capture subscriptions only append to ``sink``.

    ``wake`` is called (once per socket read, not per message) when a message arrived and
    someone :attr:`waiters` for one."""

    def __init__(self, sink: deque[Batch], wake: Callable[[], None]) -> None:
        super().__init__()
        self._ps = CaptureParser(self)
        self.sink = sink
        self.sid_keys: dict[bytes, int] = {}
        """The capture subscriptions, by their sid as the server writes it."""
        self._sids: frozenset[int] = frozenset()
        self.received = 0
        self.waiters = 0
        self._wake = wake

    @property
    def capture_sids(self) -> frozenset[int]:
        """The capture subscriptions' sids."""
        return self._sids

    @capture_sids.setter
    def capture_sids(self, sids: frozenset[int]) -> None:
        self._sids = frozenset(sids)
        self.sid_keys = {str(sid).encode(): sid for sid in sids}

    def woken(self) -> None:
        """Wake the waiters, if any, after new messages."""
        if self.waiters:
            self._wake()

    async def _process_msg(
        self, sid: int, subject: bytes, reply: bytes, data: bytes, headers: bytes | None
    ) -> None:
        if sid not in self.capture_sids:
            await super()._process_msg(sid, subject, reply, data, headers)  # type: ignore[arg-type]
            return
        # a capture frame nats-py's parser read (the fast path handed it over)
        self.sink.append((time.time(), [sid, subject, reply, data, headers]))
        self.received += 1
        self.woken()
