"""The hand-written NATS client: frame parsing, then behaviour against a real nats-server.

Protocol edge cases a real server will not produce on demand (a PING from the server, a PONG
that never comes, garbage) use a scripted loopback peer.
"""

from __future__ import annotations

import shutil
import socket
import ssl
import subprocess
import threading
import time
from typing import TYPE_CHECKING, Any

import pytest

from pytest_asyncapi.brokers.nats_wire import (
    FrameParser,
    NatsWire,
    ProtocolError,
    encode_pub,
    parse_headers,
)
from pytest_asyncapi.brokers.provision import provision
from pytest_asyncapi.errors import BrokerError
from tests.conformance import LocalNats, free_port, start_local_nats

if TYPE_CHECKING:
    from collections.abc import Callable, Iterator
    from pathlib import Path

# -- frame parsing --------------------------------------------------------------------------


def msg(subject: str, sid: int, payload: bytes, reply: str = "") -> bytes:
    head = " ".join(filter(None, ["MSG", subject, str(sid), reply, str(len(payload))]))
    return b"%s\r\n%s\r\n" % (head.encode(), payload)


def hmsg(subject: str, sid: int, block: bytes, payload: bytes, reply: str = "") -> bytes:
    sizes = f"{len(block)} {len(block) + len(payload)}"
    head = " ".join(filter(None, ["HMSG", subject, str(sid), reply, sizes]))
    return b"%s\r\n%s%s\r\n" % (head.encode(), block, payload)


STREAM = b"".join(
    [
        b'INFO {"server_id":"x","max_payload":1048576}\r\n',
        msg("a.b", 1, b"hello"),
        msg("a.b", 2, b"", reply="reply.to"),
        b"+OK\r\n",
        msg("tricky", 3, b"MSG x 1 2\r\n\r\n!!"),
        hmsg("h.s", 4, b"NATS/1.0\r\nA: 1\r\nB: two\r\nA: 3\r\n\r\n", b"abc"),
        hmsg("h.r", 5, b"NATS/1.0 503 No Responders\r\n\r\n", b"", reply="_INBOX.1"),
        b"PING\r\n",
        b"PONG\r\n",
        b"-ERR 'Permissions Violation'\r\n",
    ]
)
EXPECTED: list[tuple[Any, ...]] = [
    ("INFO", '{"server_id":"x","max_payload":1048576}'),
    (1, "a.b", b"hello", None),
    (2, "a.b", b"", None),
    ("+OK", ""),
    (3, "tricky", b"MSG x 1 2\r\n\r\n!!", None),
    (4, "h.s", b"abc", {"A": "1, 3", "B": "two"}),
    (5, "h.r", b"", {"Status": "503", "Description": "No Responders"}),
    ("PING", ""),
    ("PONG", ""),
    ("-ERR", "'Permissions Violation'"),
]


def _parser() -> tuple[FrameParser, list[tuple[Any, ...]]]:
    events: list[tuple[Any, ...]] = []
    parser = FrameParser(lambda *msg: events.append(msg), lambda *ctl: events.append(ctl))
    return parser, events


def test_parser_reads_every_frame_kind() -> None:
    parser, events = _parser()
    parser.feed(STREAM)
    assert events == EXPECTED


@pytest.mark.parametrize("cut", range(1, len(STREAM)))
def test_parser_frames_split_at_any_byte(cut: int) -> None:
    parser, events = _parser()
    parser.feed(STREAM[:cut])
    parser.feed(STREAM[cut:])
    assert events == EXPECTED


def test_parser_one_byte_at_a_time() -> None:
    parser, events = _parser()
    for i in range(len(STREAM)):
        parser.feed(STREAM[i : i + 1])
    assert events == EXPECTED


def test_parser_rejects_a_payload_of_the_wrong_length() -> None:
    parser, _ = _parser()
    with pytest.raises(ProtocolError, match="not followed by CRLF"):
        parser.feed(b"MSG a 1 3\r\nhello\r\n")


def test_header_block_rules() -> None:
    assert parse_headers(b"NATS/1.0\r\n\r\n") == {}
    assert parse_headers(b"NATS/1.0 408\r\n\r\n") == {"Status": "408"}
    assert parse_headers(b"NATS/1.0\r\nK:  v w \r\nK: x\r\n\r\n") == {"K": "v w, x"}
    assert parse_headers(b"NATS/1.0\r\nK: \xff\r\n\r\n") == {"K": "\\xff"}
    with pytest.raises(ProtocolError, match=r"NATS/1\.0"):
        parse_headers(b"HTTP/1.1\r\n\r\n")
    with pytest.raises(ProtocolError, match="without ':'"):
        parse_headers(b"NATS/1.0\r\nnocolon\r\n\r\n")


def test_encode_pub() -> None:
    assert encode_pub("a.b", b"hi", None) == b"PUB a.b 2\r\nhi\r\n"
    block = b"NATS/1.0\r\nK: v\r\n\r\n"
    assert encode_pub("a", b"x", {"K": "v"}) == b"HPUB a %d %d\r\n%sx\r\n" % (
        len(block),
        len(block) + 1,
        block,
    )
    with pytest.raises(BrokerError, match="invalid NATS header"):
        encode_pub("a", b"x", {"Bad Key": "v"})
    with pytest.raises(BrokerError, match="invalid NATS header"):
        encode_pub("a", b"x", {"K": "line\r\nbreak"})
    for bad in ("", "a..b", "a b", "a.*", ">"):
        with pytest.raises(BrokerError, match="invalid NATS subject"):
            encode_pub(bad, b"x", None)


# -- against a real nats-server ------------------------------------------------------------


@pytest.fixture(scope="module")
def server_url() -> Iterator[str]:
    with provision("nats", "local") as broker:
        yield broker.endpoint.url


class Collector:
    def __init__(self) -> None:
        self.messages: list[tuple[int, str, bytes, dict[str, str] | None]] = []

    def __call__(self, sid: int, subject: str, payload: bytes, headers: Any) -> None:
        self.messages.append((sid, subject, payload, headers))


def test_subscribe_publish_headers_and_echo(server_url: str) -> None:
    got, echoed = Collector(), Collector()
    quiet = NatsWire(server_url, got)
    loud = NatsWire(server_url, echoed, echo=True)
    try:
        sid = quiet.subscribe("w.*")
        loud_sid = loud.subscribe("w.*")
        quiet.round_trip()
        loud.round_trip()
        loud.publish("w.1", b"payload", {"Content-Type": "application/json"})
        quiet.publish("w.2", b"own")
        quiet.round_trip()
        loud.round_trip()
        headers = {"Content-Type": "application/json"}
        assert got.messages == [(sid, "w.1", b"payload", headers)]
        assert echoed.messages == [
            (loud_sid, "w.1", b"payload", headers),
            (loud_sid, "w.2", b"own", None),
        ]
        quiet.unsubscribe(sid)
        quiet.round_trip()
        loud.publish("w.3", b"after unsubscribe")
        quiet.round_trip()
        assert len(got.messages) == 1
    finally:
        quiet.close()
        loud.close()


def test_several_urls_are_tried_in_order(server_url: str) -> None:
    dead = f"nats://127.0.0.1:{free_port()}"
    wire = NatsWire(f"{dead},{server_url}")
    assert wire.url == server_url
    wire.close()
    other = f"127.0.0.1:{free_port()}"
    began = time.monotonic()
    with pytest.raises(BrokerError, match="cannot connect to NATS at") as info:
        NatsWire(f"{dead},{other}")
    assert time.monotonic() - began < 5
    assert dead in str(info.value)
    assert other in str(info.value)


def test_bad_url_is_a_clear_error() -> None:
    with pytest.raises(BrokerError, match="not a NATS URL"):
        NatsWire("http://127.0.0.1:4222")


def test_lost_connection_raises_quickly_and_every_later_call_too() -> None:
    with provision("nats", "local") as broker:
        wire = NatsWire(broker.endpoint.url)
        broker.kill()
        began = time.monotonic()
        with pytest.raises(BrokerError, match=f"NATS connection to {wire.url} lost"):
            wire.round_trip()
        with pytest.raises(BrokerError, match="lost"):
            wire.publish("x", b"y")
        with pytest.raises(BrokerError, match="lost"):
            wire.subscribe("x")
        assert time.monotonic() - began < 5
        assert wire.error is not None
        wire.close()
        wire.close()


@pytest.fixture
def secured(tmp_path: Path) -> Iterator[LocalNats]:
    config = tmp_path / "nats.conf"
    config.write_text(
        "max_payload: 1024\n"
        "authorization { users = [\n"
        '  {user: alice, password: "s3cret/=", permissions: {publish: {deny: ["forbidden"]}}}\n'
        "]}\n"
    )
    local = start_local_nats(["-c", str(config)])
    yield local
    local.stop()


def test_user_password_from_url_and_server_errors(secured: LocalNats) -> None:
    host = secured.url.removeprefix("nats://")
    with pytest.raises(BrokerError, match="Authorization Violation") as info:
        NatsWire(f"nats://alice:wrong@{host}")
    assert "credentials" in str(info.value)
    wire = NatsWire(f"nats://alice:s3cret%2F%3D@{host}")
    try:
        with pytest.raises(BrokerError, match="Permissions Violation"):
            wire.publish("forbidden", b"x")
        wire.publish("allowed", b"x")  # a non-fatal -ERR is raised once, then the wire works
        with pytest.raises(BrokerError, match="exceeds the server's max_payload"):
            wire.publish("allowed", b"x" * 2000)
    finally:
        wire.close()


def test_token_from_url() -> None:
    local = start_local_nats(["--auth", "tok3n"])
    try:
        host = local.url.removeprefix("nats://")
        NatsWire(f"nats://tok3n@{host}").close()
        with pytest.raises(BrokerError, match="Authorization Violation"):
            NatsWire(f"nats://wrong@{host}")
    finally:
        local.stop()


def test_tls_when_the_server_requires_it(tmp_path: Path) -> None:
    if shutil.which("openssl") is None:
        pytest.skip("openssl is needed to make a test certificate")
    cert, key = tmp_path / "cert.pem", tmp_path / "key.pem"
    subprocess.run(
        [
            "openssl",
            "req",
            "-x509",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-days",
            "1",
            "-keyout",
            str(key),
            "-out",
            str(cert),
            "-subj",
            "/CN=127.0.0.1",
            "-addext",
            "subjectAltName=IP:127.0.0.1",
        ],
        check=True,
        capture_output=True,
    )
    local = start_local_nats(["--tls", "--tlscert", str(cert), "--tlskey", str(key)])
    try:
        with pytest.raises(BrokerError, match="CERTIFICATE_VERIFY_FAILED"):
            NatsWire(local.url)
        context = ssl.create_default_context(cafile=str(cert))
        got = Collector()
        wire = NatsWire(local.url, got, ssl_context=context, echo=True)
        sid = wire.subscribe("secure")
        wire.publish("secure", b"over tls", {"K": "v"})
        wire.round_trip()
        assert got.messages == [(sid, "secure", b"over tls", {"K": "v"})]
        for i in range(3000):  # reading and writing at once, from two threads
            wire.publish("secure", b"%d" % i, confirm=False)
        wire.round_trip()
        assert [m[2] for m in got.messages[1:]] == [b"%d" % i for i in range(3000)]
        wire.close()
    finally:
        local.stop()


# -- a scripted peer for what a real server does not do on demand ----------------------------


class ScriptedPeer:
    """Accepts one connection, does the handshake, then runs ``script(conn)`` in a thread."""

    def __init__(self, script: Callable[[socket.socket], None]) -> None:
        self._listener = socket.create_server(("127.0.0.1", 0))
        self.url = f"nats://127.0.0.1:{self._listener.getsockname()[1]}"
        self._script = script
        self.failure: BaseException | None = None
        self.thread = threading.Thread(target=self._serve)
        self.thread.start()

    def _serve(self) -> None:
        conn, _ = self._listener.accept()
        with conn:
            try:
                conn.sendall(b'INFO {"server_id":"fake","headers":true,"max_payload":1024}\r\n')
                read_until(conn, b"PING\r\n")
                conn.sendall(b"PONG\r\n")
                self._script(conn)
            except BaseException as exc:
                self.failure = exc
        self._listener.close()


def read_until(conn: socket.socket, marker: bytes) -> bytes:
    data = b""
    conn.settimeout(5)
    while marker not in data:
        chunk = conn.recv(4096)
        if not chunk:
            raise ConnectionError("peer closed")
        data += chunk
    return data


def test_server_ping_is_answered() -> None:
    answered = threading.Event()

    def script(conn: socket.socket) -> None:
        conn.sendall(b'+OK\r\nINFO {"ldm":true}\r\nPING\r\n')
        after_pong = read_until(conn, b"PONG\r\n").partition(b"PONG\r\n")[2]
        answered.set()
        if b"PING\r\n" not in after_pong:
            read_until(conn, b"PING\r\n")
        conn.sendall(b"PONG\r\n")

    peer = ScriptedPeer(script)
    wire = NatsWire(peer.url)
    assert answered.wait(5)
    wire.round_trip()
    assert wire.info["ldm"] is True
    wire.close()
    peer.thread.join(5)
    assert peer.failure is None


def test_a_missing_pong_is_a_bounded_error() -> None:
    release = threading.Event()

    def script(conn: socket.socket) -> None:
        release.wait(10)

    peer = ScriptedPeer(script)
    wire = NatsWire(peer.url)
    began = time.monotonic()
    with pytest.raises(BrokerError, match=r"did not answer PING within 0\.2 s"):
        wire.round_trip(0.2)
    assert time.monotonic() - began < 2
    release.set()
    wire.close()
    peer.thread.join(5)


@pytest.mark.parametrize(
    ("sent", "expected"),
    [
        (b"BOGUS\r\n", "unknown operation 'BOGUS'"),
        (b"-ERR 'Slow Consumer'\r\n", "Slow Consumer"),
        (b"MSG a 1 x\r\n", "ValueError"),
    ],
)
def test_garbage_or_a_fatal_error_ends_the_connection(sent: bytes, expected: str) -> None:
    peer = ScriptedPeer(lambda conn: conn.sendall(sent))
    wires: list[NatsWire] = []

    def connect_then_round_trip() -> None:  # raised by the handshake or by the next call
        wires.append(NatsWire(peer.url))
        peer.thread.join(5)
        wires[0].round_trip()

    with pytest.raises(BrokerError, match=expected):
        connect_then_round_trip()
    for wire in wires:
        wire.close()
