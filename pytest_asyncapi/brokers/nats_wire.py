"""A minimal NATS client: blocking socket, one reader thread, no asyncio.

Why not nats-py: the capture path must keep pace with the broker, and a subject a channel
declares is delivered twice (its own subscription plus the catch-all). nats-py parses about
110-140k msg/s; this reader parses several times that. It also works unchanged from plain and
from pytest-asyncio tests, because it never touches an event loop.

Only what capture needs: CONNECT (user/password or token from the URL, TLS when the server
asks for it), SUB/UNSUB, PUB/HPUB, PING/PONG round trips. No reconnect: a lost connection is
recorded and every later call raises :class:`~pytest_asyncapi.errors.BrokerError`.

Headers: ``NATS/1.0`` blocks become ``dict[str, str]``; a key given several times keeps all
its values joined with ``", "`` (as HTTP does); a status line (``NATS/1.0 503 No Responders``)
becomes the ``Status`` and ``Description`` keys, as nats-py names them. Bytes that are not
UTF-8 are kept visible as ``\\xNN`` escapes, never dropped.
"""

from __future__ import annotations

import contextlib
import json
import socket
import ssl
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Protocol
from urllib.parse import unquote, urlsplit

from pytest_asyncapi.errors import BrokerError

__all__ = [
    "FrameParser",
    "MessageHandler",
    "NatsWire",
    "ProtocolError",
    "TlsTransport",
    "check_subject",
    "encode_pub",
    "parse_headers",
]

MessageHandler = Callable[[int, str, bytes, dict[str, str] | None], None]
"""``on_message(sid, subject, payload, headers)``, called in the reader thread."""

_CRLF = b"\r\n"
_MAX_CONTROL_LINE = 1 << 20
_RECV_SIZE = 1 << 18
_HINT = "check that the NATS server is running and reachable (e.g. `nats-server -p 4222`)"


class ProtocolError(Exception):
    """The server sent bytes that are not the NATS protocol."""


def parse_headers(block: bytes) -> dict[str, str]:
    """Parse a ``NATS/1.0[ status [description]]\\r\\nKey: Value\\r\\n...\\r\\n\\r\\n`` block."""
    lines = block.decode("utf-8", "backslashreplace").split("\r\n")
    first = lines[0]
    if not first.startswith("NATS/1.0"):
        raise ProtocolError(f"header block does not start with NATS/1.0: {first[:40]!r}")
    headers: dict[str, str] = {}
    status = first[8:].strip()
    if status:
        code, _, description = status.partition(" ")
        headers["Status"] = code
        if description.strip():
            headers["Description"] = description.strip()
    for line in lines[1:]:
        if not line:
            continue
        key, sep, value = line.partition(":")
        if not sep:
            raise ProtocolError(f"header line without ':': {line[:40]!r}")
        key, value = key.strip(), value.strip()
        headers[key] = f"{headers[key]}, {value}" if key in headers else value
    return headers


class FrameParser:
    """Incremental parser of server-to-client frames.

    ``feed`` takes any slice of the byte stream; complete MSG/HMSG frames go to
    ``on_message``, every other operation to ``on_control(op, argument)``. Incomplete input
    is kept as a list of chunks and joined once enough has arrived, so a large message that
    comes in many reads costs one copy, not one per read.
    """

    __slots__ = ("_chunks", "_have", "_need", "_on_control", "_on_message")

    def __init__(self, on_message: MessageHandler, on_control: Callable[[str, str], None]):
        self._on_message = on_message
        self._on_control = on_control
        self._chunks: list[bytes] = []
        self._have = 0
        self._need = 0

    def feed(self, chunk: bytes) -> None:
        if self._chunks:
            self._chunks.append(chunk)
            self._have += len(chunk)
            if self._have < self._need:
                return
            data = b"".join(self._chunks)
            self._chunks = []
        else:
            data = chunk
        pos = self._parse(data)
        if pos < len(data):
            rest = data[pos:]
            self._chunks = [rest]
            self._have = len(rest)

    def _parse(self, data: bytes) -> int:
        """Handle every complete frame in ``data``; return where the incomplete rest begins."""
        on_message = self._on_message
        size = len(data)
        pos = 0
        while pos < size:
            eol = data.find(_CRLF, pos)
            if eol < 0:
                if size - pos > _MAX_CONTROL_LINE:
                    raise ProtocolError("control line longer than 1 MiB")
                self._need = size - pos + 1
                return pos
            if data.startswith(b"MSG ", pos):
                parts = data[pos + 4 : eol].split()
                start = eol + 2
                end = start + int(parts[-1])
                if end + 2 > size:
                    self._need = end + 2 - pos
                    return pos
                if data[end : end + 2] != _CRLF:
                    raise ProtocolError("MSG payload is not followed by CRLF")
                on_message(int(parts[1]), parts[0].decode(), data[start:end], None)
                pos = end + 2
            elif data.startswith(b"HMSG ", pos):
                parts = data[pos + 5 : eol].split()
                start = eol + 2
                split = start + int(parts[-2])
                end = start + int(parts[-1])
                if end + 2 > size:
                    self._need = end + 2 - pos
                    return pos
                if data[end : end + 2] != _CRLF:
                    raise ProtocolError("HMSG payload is not followed by CRLF")
                headers = parse_headers(data[start:split])
                on_message(int(parts[1]), parts[0].decode(), data[split:end], headers)
                pos = end + 2
            else:
                line = data[pos:eol].decode("utf-8", "backslashreplace")
                op, _, arg = line.partition(" ")
                self._on_control(op.upper(), arg.strip())
                pos = eol + 2
        return pos


@dataclass(frozen=True)
class _Target:
    url: str
    host: str
    port: int
    tls: bool
    user: str | None
    password: str | None
    token: str | None


def _targets(url: str) -> list[_Target]:
    targets = []
    for one in url.split(","):
        one = one.strip()
        if "://" not in one:
            one = "nats://" + one
        parts = urlsplit(one)
        if parts.scheme not in ("nats", "tls") or not parts.hostname:
            raise BrokerError(
                f"not a NATS URL: {one!r}",
                hint="use nats://[user:password@]host:port or tls://host:port",
            )
        user = unquote(parts.username) if parts.username else None
        password = unquote(parts.password) if parts.password is not None else None
        token = None
        if user is not None and password is None:
            token, user = user, None
        try:
            port = parts.port or 4222
        except ValueError as exc:
            raise BrokerError(f"bad port in NATS URL {one!r}: {exc}") from None
        safe = f"{parts.scheme}://{parts.hostname}:{port}"
        targets.append(
            _Target(safe, parts.hostname, port, parts.scheme == "tls", user, password, token)
        )
    return targets


def _version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("pytest-asyncapi")
    except PackageNotFoundError:
        return "0"


class NatsWire:
    """One NATS connection. Construct to connect; every wait is bounded by ``timeout``.

    ``on_message`` runs in the reader thread for every delivered message: keep it short
    (append and return), or the server will throttle the publishers and finally drop us as a
    slow consumer. ``on_batch`` runs after each read from the socket has been parsed (the
    place to wake waiting threads once per batch instead of once per message); ``on_lost``
    once, when the connection is lost.
    """

    def __init__(
        self,
        url: str,
        on_message: MessageHandler | None = None,
        *,
        timeout: float = 5.0,
        echo: bool = False,
        name: str = "pytest-asyncapi",
        ssl_context: ssl.SSLContext | None = None,
        on_lost: Callable[[BrokerError], None] | None = None,
        on_batch: Callable[[], None] | None = None,
    ) -> None:
        self.timeout = timeout
        self.info: dict[str, Any] = {}
        self._on_message: MessageHandler = on_message or (lambda *_: None)
        self._on_lost = on_lost
        self._on_batch = on_batch or (lambda: None)
        self._echo = echo
        self._name = name
        self._ssl_context = ssl_context
        self._write_lock = threading.Lock()
        self._cond = threading.Condition(threading.Lock())
        self._pings_sent = 0
        self._pongs_received = 0
        self._next_sid = 0
        self._error: BrokerError | None = None
        self._lost: BrokerError | None = None
        self._last_err = ""
        self._closing = False
        self._thread: threading.Thread | None = None
        failures = []
        for target in _targets(url):
            try:
                self._sock = self._open(target)
            except (OSError, ProtocolError, ValueError) as exc:
                failures.append(f"{target.url}: {str(exc) or type(exc).__name__}")
                continue
            self.url = target.url
            break
        else:
            raise BrokerError("cannot connect to NATS at " + "; ".join(failures), hint=_HINT)
        self._parser = FrameParser(self._on_message, self._control)
        self._thread = threading.Thread(target=self._read_loop, name="nats-wire", daemon=True)
        self._thread.start()
        try:
            self.round_trip()
        except BrokerError:
            self.close()
            raise

    # -- public API ---------------------------------------------------------------------

    @property
    def error(self) -> BrokerError | None:
        """The error that ended the connection, if it was lost."""
        return self._lost

    def subscribe(self, subject: str, queue: str | None = None) -> int:
        """Send SUB and return its sid (not confirmed: follow with :meth:`round_trip`)."""
        check_subject(subject, wildcards=True)
        with self._write_lock:
            self._next_sid += 1
            sid = self._next_sid
        group = f" {queue}" if queue else ""
        self._send(f"SUB {subject}{group} {sid}\r\n".encode())
        return sid

    def unsubscribe(self, sid: int) -> None:
        self._send(f"UNSUB {sid}\r\n".encode())

    def round_trip(self, timeout: float | None = None) -> None:
        """Send PING and wait for its PONG: the server has processed everything sent before."""
        self._ping_and_wait(b"", timeout)

    def publish(
        self,
        subject: str,
        payload: bytes,
        headers: Mapping[str, str] | None = None,
        *,
        confirm: bool = True,
    ) -> None:
        """PUB (HPUB with headers); with ``confirm``, return once the server has processed it."""
        frame = encode_pub(subject, payload, headers)
        max_payload = self.info.get("max_payload")
        if isinstance(max_payload, int) and len(payload) > max_payload:
            raise BrokerError(
                f"payload of {len(payload)} bytes exceeds the server's max_payload "
                f"({max_payload}) for subject {subject!r}",
                hint="raise max_payload in the server configuration or send a smaller message",
            )
        if headers and not self.info.get("headers", False):
            raise BrokerError(
                f"the NATS server at {self.url} does not support headers",
                hint="use nats-server 2.2 or later",
            )
        if confirm:
            self._ping_and_wait(frame, None)
        else:
            self._send(frame)

    def close(self) -> None:
        """Close the connection and join the reader thread; idempotent."""
        if self._closing:
            return
        self._closing = True
        with contextlib.suppress(OSError):
            self._sock.shutdown(socket.SHUT_RDWR)
        if self._thread is not None and self._thread is not threading.current_thread():
            self._thread.join(self.timeout)
        self._sock.close()
        with self._cond:
            self._cond.notify_all()

    # -- connecting -----------------------------------------------------------------------

    def _open(self, target: _Target) -> _Transport:
        raw = socket.create_connection((target.host, target.port), timeout=self.timeout)
        sock: _Transport = raw
        try:
            raw.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            line = _read_line(raw)
            if not line.startswith(b"INFO "):
                raise ProtocolError(f"expected INFO, got {line[:60]!r}")
            self.info = json.loads(line[5:])
            if target.tls or self.info.get("tls_required"):
                context = self._ssl_context or ssl.create_default_context()
                sock = TlsTransport(raw, context, target.host)
            connect: dict[str, Any] = {
                "verbose": False,
                "pedantic": False,
                "headers": True,
                "no_responders": True,
                "echo": self._echo,
                "lang": "python",
                "version": _version(),
                "protocol": 1,
                "name": self._name,
                "tls_required": isinstance(sock, TlsTransport),
            }
            if target.user is not None:
                connect["user"], connect["pass"] = target.user, target.password
            if target.token is not None:
                connect["auth_token"] = target.token
            sock.sendall(b"CONNECT " + json.dumps(connect).encode() + _CRLF)
        except BaseException:
            raw.close()
            raise
        return sock

    # -- reader thread ---------------------------------------------------------------------

    def _read_loop(self) -> None:
        recv = self._sock.recv
        feed = self._parser.feed
        batch_done = self._on_batch
        reason = "the server closed the connection"
        try:
            while True:
                try:
                    chunk = recv(_RECV_SIZE)
                except TimeoutError:
                    if self._closing:
                        return
                    continue
                if not chunk:
                    break
                feed(chunk)
                batch_done()
        except (OSError, ProtocolError, ValueError, IndexError) as exc:
            reason = f"{type(exc).__name__}: {exc}"
        except Exception as exc:  # a failing on_message must not die silently
            reason = f"message handler failed: {type(exc).__name__}: {exc}"
        if not self._closing:
            self._fail(reason)

    def _fail(self, reason: str) -> None:
        """Record the connection as lost (first reason wins) and wake every waiter."""
        if self._last_err:
            reason += f" (server said: {self._last_err})"
        lost = BrokerError(
            f"NATS connection to {self.url} lost: {reason}", hint=_err_hint(self._last_err)
        )
        with self._cond:
            if self._lost is not None:
                return
            self._lost = lost
            self._cond.notify_all()
        with contextlib.suppress(OSError):
            self._sock.shutdown(socket.SHUT_RDWR)
        if self._on_lost is not None:
            self._on_lost(lost)

    def _control(self, op: str, arg: str) -> None:
        if op == "PING":
            self._send(b"PONG\r\n", check=False)
        elif op == "PONG":
            with self._cond:
                self._pongs_received += 1
                self._cond.notify_all()
        elif op == "-ERR":
            message = arg.strip("'")
            self._last_err = message
            with self._cond:
                self._error = BrokerError(
                    f"NATS server at {self.url} said: {message}", hint=_err_hint(message)
                )
                self._cond.notify_all()
        elif op == "INFO":
            self.info = {**self.info, **json.loads(arg)}
        elif op != "+OK":
            raise ProtocolError(f"unknown operation {op!r}")

    # -- writing and waiting ---------------------------------------------------------------

    def _raise_pending(self) -> None:
        """Raise the connection's fatal error, or a recorded -ERR (once)."""
        if self._lost is not None:
            raise self._lost
        if self._closing:
            raise BrokerError(f"NATS connection to {self.url} is closed")
        error, self._error = self._error, None
        if error is not None:
            raise error

    def _send(self, data: bytes, *, check: bool = True) -> None:
        if check:
            self._raise_pending()
        try:
            with self._write_lock:
                self._sock.sendall(data)
        except OSError as exc:
            self._fail(f"{type(exc).__name__}: {exc}")
            if check:
                self._raise_pending()

    def _ping_and_wait(self, prefix: bytes, timeout: float | None) -> None:
        self._raise_pending()
        wait = self.timeout if timeout is None else timeout
        try:
            with self._write_lock:  # count and send together: PONGs come back in PING order
                self._pings_sent += 1
                target = self._pings_sent
                self._sock.sendall(prefix + b"PING\r\n")
        except OSError as exc:
            self._fail(f"{type(exc).__name__}: {exc}")
        with self._cond:
            self._cond.wait_for(
                lambda: self._pongs_received >= target or self._lost is not None or self._closing,
                wait,
            )
            answered = self._pongs_received >= target
            error, self._error = self._error, None
        if error is not None:
            raise error
        if not answered:  # a PONG that arrived before the connection dropped still counts
            self._raise_pending()
            raise BrokerError(
                f"NATS server at {self.url} did not answer PING within {wait:g} s",
                hint="the server is overloaded, paused or unreachable; " + _HINT,
            )


class _Transport(Protocol):
    def recv(self, size: int, /) -> bytes: ...
    def sendall(self, data: bytes, /) -> None: ...
    def shutdown(self, how: int, /) -> None: ...
    def close(self) -> None: ...


class TlsTransport:
    """TLS over a plain socket through memory BIOs.

    An ``ssl.SSLSocket`` must not be read by one thread while another writes to it (OpenSSL
    state is shared; seen as "bad record mac"): here every TLS operation holds one lock and
    only the plain socket's blocking ``recv`` runs outside it.
    """

    def __init__(self, sock: socket.socket, context: ssl.SSLContext, hostname: str) -> None:
        self._sock = sock
        self._incoming = ssl.MemoryBIO()
        self._outgoing = ssl.MemoryBIO()
        self._tls = context.wrap_bio(self._incoming, self._outgoing, server_hostname=hostname)
        self._lock = threading.Lock()
        while True:
            try:
                self._tls.do_handshake()
                break
            except ssl.SSLWantReadError:
                self._send_outgoing()
                self._feed(sock.recv(_RECV_SIZE))
        self._send_outgoing()

    def _send_outgoing(self) -> None:
        data = self._outgoing.read()
        if data:
            self._sock.sendall(data)

    def _feed(self, data: bytes) -> None:
        if not data:
            raise ConnectionError("the server closed the connection during TLS")
        self._incoming.write(data)

    def recv(self, size: int, /) -> bytes:
        while True:
            with self._lock:
                chunks = []
                try:
                    while chunk := self._tls.read(size):
                        chunks.append(chunk)
                except ssl.SSLWantReadError:
                    pass
                except ssl.SSLZeroReturnError:
                    return b"".join(chunks)
                self._send_outgoing()  # e.g. a key update answered by the read
            if chunks:
                return b"".join(chunks)
            data = self._sock.recv(size)
            if not data:
                return b""
            with self._lock:
                self._incoming.write(data)

    def sendall(self, data: bytes, /) -> None:
        with self._lock:
            self._tls.write(data)
            self._send_outgoing()

    def shutdown(self, how: int, /) -> None:
        self._sock.shutdown(how)

    def close(self) -> None:
        self._sock.close()


def _err_hint(server_error: str) -> str:
    lowered = server_error.lower()
    if "authorization" in lowered or "authentication" in lowered:
        return "put valid credentials in the URL: nats://user:password@host:port or nats://token@host:port"
    if "permissions" in lowered:
        return "this user may not use that subject: grant it in the server's authorization block"
    return _HINT


def _read_line(sock: socket.socket) -> bytes:
    data = b""
    while _CRLF not in data:
        chunk = sock.recv(4096)
        if not chunk:
            raise ProtocolError("the server closed the connection before sending INFO")
        data += chunk
        if len(data) > _MAX_CONTROL_LINE:
            raise ProtocolError("INFO line longer than 1 MiB")
    line, _, rest = data.partition(_CRLF)
    if rest:
        raise ProtocolError("unexpected data after INFO")
    return line


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


def encode_pub(subject: str, payload: bytes, headers: Mapping[str, str] | None) -> bytes:
    """The PUB or HPUB frame for one message."""
    check_subject(subject, wildcards=False)
    if not headers:
        return b"PUB %s %d\r\n%s\r\n" % (subject.encode(), len(payload), payload)
    lines = ["NATS/1.0"]
    for key, value in headers.items():
        if not key or any(c in key for c in ": \t\r\n") or any(c in value for c in "\r\n"):
            raise BrokerError(
                f"invalid NATS header {key!r}: {value!r}",
                hint="header names may not contain ':' or whitespace, values no line breaks",
            )
        lines.append(f"{key}: {value}")
    block = ("\r\n".join(lines) + "\r\n\r\n").encode()
    return b"HPUB %s %d %d\r\n%s%s\r\n" % (
        subject.encode(),
        len(block),
        len(block) + len(payload),
        block,
        payload,
    )
