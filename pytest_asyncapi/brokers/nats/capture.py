"""NATS capture on nats-py: one subscription per session, attribution by subject in Python.

The session subscribes once, to ``>``. Where the server refuses that (a user limited by
permissions), it subscribes to the declared patterns instead and says so in :meth:`notes`
(undeclared destinations cannot be seen then); ``mode`` forces either way. A message that
matches several declared patterns is delivered once per subscription; only the first pattern
that matches its subject keeps it, so every message is recorded exactly once.

nats-py's event loop runs in a thread of its own; the pytest thread calls every method
synchronously. The receive path is :mod:`pytest_asyncapi.brokers.nats.receive` (nats-py's
parser, extended through its private hooks, hence the pinned version range in
``pyproject.toml``): it appends each capture frame's raw ``(sid, subject, reply, payload,
header block, time)`` to a deque — no ``Msg`` object, no per-subscription queue, no header
parsing. Records are built in the pytest thread (:mod:`pytest_asyncapi.brokers.nats.frames`);
a drain first offers plain frames to the adapter's ``counter`` (the recorder counts the valid
ones, which then need no record).

Round trips put their PING behind every command still pending in the client's buffer
(nats-py's own ``flush()`` writes the PING first, so its PONG can come back before a SUB or
PUB queued just before it reached the server). A PONG on this connection proves the server
has delivered to us everything it processed before our PING.

Reconnect: a lost connection is re-established by nats-py (its subscriptions replayed and
confirmed before the reconnect callback). The gap is recorded in capture order as a record
whose ``defect`` names it (start, end, the server's reason, figures), so the window in which it
happened fails; what arrived before and after is judged as usual.
"""

from __future__ import annotations

import asyncio
import contextlib
import threading
import time
from collections import deque
from typing import TYPE_CHECKING, Any

from pytest_asyncapi.errors import BrokerError

try:
    from pytest_asyncapi.brokers.nats.receive import FIELDS, Batch, CaptureClient
except ImportError as missing:  # pragma: no cover - the nats extra is not installed
    raise BrokerError(
        "NATS capture needs nats-py", hint="pip install 'pytest-asyncapi[nats]'"
    ) from missing

from pytest_asyncapi.brokers.base import CAPTURE_GAP, CaptureAdapter
from pytest_asyncapi.brokers.event_loop import new_event_loop
from pytest_asyncapi.brokers.nats.frames import check_subject, to_captured
from pytest_asyncapi.brokers.nats.options import CAPTURE_MODES
from pytest_asyncapi.captured import Captured
from pytest_asyncapi.masking import mask

if TYPE_CHECKING:
    from collections.abc import Coroutine, Mapping, Sequence

    from pytest_asyncapi.brokers.base import PlainCounter

__all__ = ["CAPTURE_MODES", "NatsCapture", "subject_matches"]

_OWNER_CACHE_SIZE = 50_000
_PING = b"PING\r\n"
_GAP = -1
_HINT = "check that the NATS server is running and reachable (e.g. `nats-server -p 4222`)"


def subject_matches(pattern: Sequence[str], subject: Sequence[str]) -> bool:
    """NATS wildcard match on tokens: ``*`` is one token, a final ``>`` one or more."""
    if pattern and pattern[-1] == ">":
        head = pattern[:-1]
        if len(subject) <= len(head):
            return False
        subject = subject[: len(head)]
        pattern = head
    elif len(pattern) != len(subject):
        return False
    return all(p in ("*", s) for p, s in zip(pattern, subject, strict=True))


class NatsCapture(CaptureAdapter):
    """Capture every subject on one NATS server; see the module docstring.

    ``connect``: extra keyword arguments for ``nats.connect`` (auth, TLS; see
    :mod:`pytest_asyncapi.brokers.nats.connect`). ``settle``: :meth:`drain` returns once no
    message has arrived for this long after a round trip; ``max_settle`` bounds that wait;
    ``timeout`` bounds every round trip; ``connect_timeout`` is the total deadline to connect
    (a server that trickles its INFO line cannot hold it longer); ``mode``: ``auto`` | ``all``
    | ``declared`` (see the module docstring); ``reconnect_wait``: how long a call waits for a
    lost connection to come back before it raises.
    """

    protocol = "nats"

    def __init__(
        self,
        url: str,
        *,
        connect: Mapping[str, Any] | None = None,
        settle: float = 0.001,
        max_settle: float = 0.25,
        timeout: float = 5.0,
        connect_timeout: float = 10.0,
        mode: str = "auto",
        reconnect_wait: float = 2.0,
    ) -> None:
        if mode not in CAPTURE_MODES:
            raise BrokerError(
                f"unknown NATS capture mode {mode!r}", hint=f"use one of {', '.join(CAPTURE_MODES)}"
            )
        self.url = url
        self.shown = mask(url)
        self.settle = settle
        self.max_settle = max_settle
        self.timeout = timeout
        self.mode = mode
        self.reconnect_wait = reconnect_wait
        self._notes: list[str] = []
        self._sink: deque[Batch] = deque()
        self._seq = 0
        self._cond = threading.Condition(threading.Lock())
        self._patterns: list[tuple[int, tuple[str, ...]]] = []
        self._owner: dict[bytes, int] = {}
        self._names: dict[bytes, str] = {}
        """Subjects already read (valid UTF-8), bounded like the owner cache."""
        self._started = False
        self._closed = False
        self._lost: BrokerError | None = None
        self._errors: list[str] = []
        self._down_since: float | None = None
        self._server_id = ""
        self._loop = new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, name="nats-capture")
        self._thread.daemon = True
        self._thread.start()
        self._nc = CaptureClient(self._sink, self._notify)
        self._lost_future: asyncio.Future[Any] | None = None
        self._reconnected: asyncio.Event | None = None
        try:
            self._call(self._connect(dict(connect or {}), connect_timeout), connect_timeout + 5)
        except BaseException:
            self._stop_loop()
            raise

    # -- the adapter interface ---------------------------------------------------------------

    def start(self, destinations: Sequence[str]) -> None:
        if self._started:
            raise BrokerError(
                "NatsCapture.start() was already called",
                hint="pass every destination to one start() call",
            )
        unique = list(dict.fromkeys(destinations))
        for pattern in unique:
            check_subject(pattern, wildcards=True)
        self._started = True
        if self.mode != "declared":
            refused = self._call(self._subscribe([">"]))
            if not refused:
                return
            if self.mode == "all":
                raise BrokerError(
                    f"the NATS server at {self.shown} refused the capture subscription to '>' "
                    "(permissions violation)",
                    hint="allow this user to subscribe to '>', or capture the declared subjects "
                    "only: --asyncapi-nats-capture declared",
                )
            reason = "the server refused '>' (permissions violation)"
        else:
            reason = "--asyncapi-nats-capture declared"
        refused = self._call(self._subscribe(unique))
        if refused and len(refused) == len(unique):
            raise BrokerError(
                f"the NATS server at {self.shown} refused every capture subscription: "
                + ", ".join(repr(p) for p in refused)
                + " (permissions violation)",
                hint="allow this user to subscribe to the subjects the documents declare "
                "(or to '>')",
            )
        self._notes.append(
            f"NATS capture: declared subjects only ({reason}); messages on undeclared "
            "destinations cannot be seen"
        )
        if refused:
            self._notes.append(
                "NATS capture: this user may not subscribe to "
                + ", ".join(repr(p) for p in refused)
                + " (permissions violation): messages there cannot be seen"
            )

    def drain(self, *, settle: bool = True) -> list[Captured]:
        deadline = time.monotonic() + self.max_settle
        self._round_trip()
        while settle:
            seen = self._nc.received
            remaining = deadline - time.monotonic()
            if remaining <= 0 or not self._wait_for_new(seen, min(self.settle, remaining)):
                break
            self._round_trip()
        return self._hand_out(self.counter)

    def take(self, timeout: float) -> list[Captured]:
        if not self._sink:
            self._wait_for_new(self._nc.received, timeout)
        if not self._sink and self._down_since is not None:
            with self._cond:  # a lost connection may come back (its gap is then a record)
                self._cond.wait_for(self._settled, self.reconnect_wait)
        if not self._sink:
            self._raise_if_unusable()
        return self._hand_out(None)

    def publish(
        self,
        destination: str,
        payload: bytes,
        headers: Mapping[str, str] | None = None,
        key: bytes | None = None,
        *,
        reply: str | None = None,
    ) -> None:
        if key is not None:
            raise BrokerError(
                f"NATS messages have no key (publishing to {destination!r})",
                hint="put the value in a header or the payload",
            )
        check_subject(destination, wildcards=False)
        if reply is not None:
            check_subject(reply, wildcards=False)
        for name, value in (headers or {}).items():
            if not name or any(c in name for c in ": \t\r\n") or any(c in value for c in "\r\n"):
                raise BrokerError(
                    f"invalid NATS header {name!r}: {value!r}",
                    hint="header names may not contain ':' or whitespace, values no line breaks",
                )
        self._call(
            self._publish(destination, payload, dict(headers) if headers else None, reply or "")
        )

    def notes(self) -> list[str]:
        return list(self._notes)

    def close(self) -> None:
        if self._closed:
            return
        self._closed = True
        with contextlib.suppress(BrokerError, RuntimeError):
            self._call(self._nc.close(), self.timeout)
        self._stop_loop()
        with self._cond:
            self._cond.notify_all()

    # -- event loop side ---------------------------------------------------------------------

    async def _connect(self, options: dict[str, Any], deadline: float) -> None:
        self._lost_future = asyncio.get_running_loop().create_future()
        self._reconnected = asyncio.Event()
        settings: dict[str, Any] = {
            "name": "pytest-asyncapi",
            "connect_timeout": min(self.timeout, deadline),
            "reconnect_time_wait": 0.1,
            "max_reconnect_attempts": 1,  # each server twice at connect; -1 once connected
            "dont_randomize": True,
            **options,
            "no_echo": True,
            "allow_reconnect": True,
            "error_cb": self._on_error,
            "disconnected_cb": self._on_disconnected,
            "reconnected_cb": self._on_reconnected,
            "closed_cb": self._on_closed,
        }
        try:
            await asyncio.wait_for(self._nc.connect(self.url, **settings), deadline)
        except asyncio.TimeoutError:
            await self._abandon()
            raise BrokerError(
                f"cannot connect to NATS at {self.shown}: no connection within {deadline:g} s"
                + self._last_error(),
                hint="the server is unreachable, overloaded or not speaking NATS (it must send "
                "its INFO line at once); " + _HINT,
            ) from None
        except Exception as error:  # nats-py raises its own errors and OSError
            await self._abandon()
            reason = _telling(self._errors) or _describe(error)
            raise BrokerError(
                mask(f"cannot connect to NATS at {self.shown}: {reason}"),
                hint=_connect_hint(reason),
            ) from None
        self._nc.options["max_reconnect_attempts"] = -1
        self._nc.options["reconnect_time_wait"] = 0.25
        self._server_id = str(self._nc._server_info.get("server_id", ""))
        self._errors.clear()

    async def _abandon(self) -> None:
        with contextlib.suppress(Exception):  # the connect error is the one to report
            await self._nc.close()

    async def _subscribe(self, patterns: Sequence[str]) -> list[str]:
        """Subscribe; after a round trip, drop and return the patterns the server refused."""
        self._errors.clear()
        subs = [(pattern, await self._nc.subscribe(pattern)) for pattern in patterns]
        self._nc.capture_sids = self._nc.capture_sids | frozenset(s._id for _, s in subs)
        await self._ping()
        denied = {  # nats-py lowercases the server's error text
            e.rsplit("subscription to ", 1)[-1].strip().strip('"')
            for e in self._errors
            if "permissions violation for subscription" in e
        }
        refused = [(p, s) for p, s in subs if p.lower() in denied]
        for _, sub in refused:
            await sub.unsubscribe()
        kept = [(p, s) for p, s in subs if p.lower() not in denied]
        self._nc.capture_sids = frozenset(s._id for _, s in kept)
        if patterns != [">"]:
            self._patterns = [(s._id, tuple(p.split("."))) for p, s in kept]
        return [p for p, _ in refused]

    async def _publish(
        self, subject: str, payload: bytes, headers: dict[str, str] | None, reply: str = ""
    ) -> None:
        await self._usable()
        await self._nc.publish(subject, payload, reply=reply, headers=headers)
        await self._ping()

    async def _ping(self) -> None:
        """PING behind every pending command; return at its PONG (see the module docstring).
        ``timeout`` is a bound on no progress: messages still arriving ahead of the PONG
        extend the wait.

        A connection lost meanwhile is waited for (``reconnect_wait``) and pinged again: the
        gap is in the records by then."""
        nc = self._nc
        while True:
            await self._usable()
            future: asyncio.Future[Any] = asyncio.get_running_loop().create_future()
            nc._pongs.append(future)
            nc._pending.append(_PING)
            nc._pending_data_size += len(_PING)
            lost = self._lost_future
            assert lost is not None
            await nc._flush_pending()
            while True:
                # the PONG comes after every message the server sent before it: while they
                # are still being read (a flood), the wait goes on; ``timeout`` bounds a stall
                seen = nc.received
                done, _ = await asyncio.wait(
                    {future, lost}, timeout=self.timeout, return_when=asyncio.FIRST_COMPLETED
                )
                if done or nc.received == seen:
                    break
            if future in done:
                return
            if lost not in done:
                break
        raise BrokerError(
            f"NATS server at {self.shown} did not answer PING within {self.timeout:g} s",
            hint="the server is overloaded, paused or unreachable; " + _HINT,
        )

    async def _usable(self) -> None:
        """Return when connected; wait up to ``reconnect_wait`` for a lost connection."""
        if self._lost is not None:
            raise self._lost
        if self._closed or self._nc.is_closed:
            raise BrokerError(f"NATS connection to {self.shown} is closed")
        if self._nc.is_connected and self._down_since is None:
            return
        assert self._reconnected is not None
        try:
            await asyncio.wait_for(self._reconnected.wait(), self.reconnect_wait)
        except asyncio.TimeoutError:
            raise self._down_error() from None
        if self._lost is not None:
            raise self._lost

    def _down_error(self) -> BrokerError:
        since = self._down_since or time.time()
        return BrokerError(
            f"NATS connection to {self.shown} lost at {_clock(since)}{self._last_error()}; "
            f"not back after {time.time() - since:.1f} s (reconnecting)",
            hint=_HINT,
        )

    async def _on_error(self, error: Exception) -> None:
        self._errors.append(_describe(error))

    async def _on_disconnected(self) -> None:
        if self._closed or self._down_since is not None:
            return
        self._down_since = time.time()
        self._reconnected = asyncio.Event()
        if self._lost_future is not None and not self._lost_future.done():
            self._lost_future.set_result(None)
        self._notify()

    async def _on_reconnected(self) -> None:
        since, self._down_since = self._down_since or time.time(), None
        until = time.time()
        server_id = str(self._nc._server_info.get("server_id", ""))
        if server_id == self._server_id:
            cause = (
                "the server dropped this connection while it kept running (a slow consumer: "
                "the capture did not read fast enough)"
            )
        else:
            cause = "the server went away (restarted or replaced)"
        self._server_id = server_id
        pending = sum(len(frames) for _, frames in self._sink) // FIELDS
        figures = f"{self._nc.received} message(s) received before, {pending} pending"
        text = (
            f"capture gap: the NATS connection to {self.shown} was lost from {_clock(since)} "
            f"to {_clock(until)} ({until - since:.2f} s): {cause}{self._last_error()}; "
            f"{figures}; messages published meanwhile were not captured"
        )
        self._errors.clear()
        self._sink.append((until, [_GAP, text, b"", b"", None]))
        self._nc.received += 1
        self._lost_future = asyncio.get_running_loop().create_future()
        assert self._reconnected is not None
        self._reconnected.set()
        self._notify()

    async def _on_closed(self) -> None:
        if not self._closed and self._lost is None:
            since = self._down_since or time.time()
            self._lost = BrokerError(
                f"NATS connection to {self.shown} lost at {_clock(since)}{self._last_error()}",
                hint=_HINT,
            )
        if self._reconnected is not None:
            self._reconnected.set()
        if self._lost_future is not None and not self._lost_future.done():
            self._lost_future.set_result(None)
        self._notify()

    def _last_error(self) -> str:
        return f" (last error: {self._errors[-1]})" if self._errors else ""

    # -- pytest thread -----------------------------------------------------------------------

    def _call(self, coroutine: Coroutine[Any, Any, Any], timeout: float | None = None) -> Any:
        if self._closed and not self._loop.is_running():
            coroutine.close()
            raise BrokerError(f"NATS connection to {self.shown} is closed")
        future = asyncio.run_coroutine_threadsafe(coroutine, self._loop)
        try:
            return future.result(timeout if timeout is not None else self.timeout * 2 + 5)
        except TimeoutError:
            future.cancel()
            raise BrokerError(
                f"NATS capture at {self.shown} did not answer within its deadline", hint=_HINT
            ) from None

    def _round_trip(self) -> None:
        self._call(self._ping())

    def _raise_if_unusable(self) -> None:
        if self._lost is not None:
            raise self._lost
        if self._closed:
            raise BrokerError(f"NATS connection to {self.shown} is closed")
        if self._down_since is not None:
            raise self._down_error()

    def _settled(self) -> bool:
        """Connected again, or never to be: lost for good, or closed."""
        return self._down_since is None or self._lost is not None or self._closed

    def _notify(self) -> None:
        with self._cond:
            self._cond.notify_all()

    def _wait_for_new(self, seen: int, timeout: float) -> bool:
        """Wait until a record beyond the first ``seen`` arrives; False on timeout."""
        nc = self._nc
        with self._cond:
            nc.waiters += 1
            try:
                return self._cond.wait_for(
                    lambda: (
                        nc.received != seen
                        or self._down_since is not None
                        or self._lost is not None
                        or self._closed
                    ),
                    timeout,
                ) and (nc.received != seen)
            finally:
                nc.waiters -= 1

    def _hand_out(self, count: PlainCounter | None) -> list[Captured]:
        """The records of every frame received, in order, but for the plain frames ``count``
        counted (see :attr:`CaptureAdapter.counter`). A read's frames that are all plain, to
        one subject, go to ``count`` together."""
        out: list[Captured] = []
        append = out.append
        popleft = self._sink.popleft
        patterns = self._patterns
        names = self._names
        plain = Captured.plain
        seq = self._seq
        for _ in range(len(self._sink)):
            at, frames = popleft()
            if count is not None and not patterns:
                subject = frames[1]
                name = names.get(subject)  # a gap's text is no subject: None
                n = len(frames) // FIELDS
                if (
                    name is not None
                    and frames[1::FIELDS].count(subject) == n
                    and frames[2::FIELDS].count(b"") == n
                    and frames[4::FIELDS].count(None) == n
                ):
                    payloads = frames[3::FIELDS]
                    left = count(name, payloads)
                    if left is not None:
                        for i in left:
                            append(plain(name, payloads[i], at, seq + i + 1))
                        seq += n
                        continue
            fields = [iter(frames)] * FIELDS  # one frame's fields at a time
            for sid, subject, reply, payload, block in zip(*fields, strict=True):
                if sid == _GAP:
                    seq += 1
                    append(Captured(CAPTURE_GAP, b"", None, at, seq, defect=subject))
                    continue
                if patterns and sid != self._owner_of(subject):
                    continue
                seq += 1
                name = names.get(subject)
                if name is not None and not reply and block is None:  # the common frame
                    if count is None or count(name, (payload,)) != []:
                        append(plain(name, payload, at, seq))
                    continue
                record = to_captured(subject, reply, payload, block, at, seq)
                if record.defect is None and len(names) < _OWNER_CACHE_SIZE:
                    names[subject] = record.destination
                append(record)
        self._seq = seq
        return out

    def _owner_of(self, subject: bytes) -> int:
        """The sid of the first declared pattern that matches ``subject`` (cached)."""
        owner = self._owner.get(subject)
        if owner is None:
            if len(self._owner) >= _OWNER_CACHE_SIZE:  # e.g. one reply subject per request
                self._owner.clear()
            tokens = subject.decode("utf-8", "backslashreplace").split(".")
            owner = next((sid for sid, p in self._patterns if subject_matches(p, tokens)), 0)
            self._owner[subject] = owner
        return owner

    def _stop_loop(self) -> None:
        if self._loop.is_running():
            self._loop.call_soon_threadsafe(self._loop.stop)
        if self._thread is not threading.current_thread():
            self._thread.join(self.timeout)
        if not self._loop.is_running():
            self._loop.close()


def _telling(errors: Sequence[str]) -> str | None:
    """The error that explains a failed connect: a refusal by the server, else the last."""
    for error in errors:
        if any(word in error.lower() for word in ("authorization", "authentication", "tls")):
            return error
    return errors[-1] if errors else None


def _connect_hint(reason: str) -> str:
    lowered = reason.lower()
    if "authorization" in lowered or "authentication" in lowered:
        return (
            "the server refused the credentials: give valid ones (user and password or a "
            "token in the URL before the host, or the NATS auth options)"
        )
    return _HINT


def _describe(error: BaseException) -> str:
    text = str(error).removeprefix("nats: ").strip()
    return text or type(error).__name__


def _clock(at: float) -> str:
    return time.strftime("%H:%M:%S", time.localtime(at)) + f".{int(at % 1 * 1000):03d}"
