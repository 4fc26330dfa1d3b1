"""NATS passes the conformance suite: on a local nats-server and through a real Docker engine.

The independent client is nats-py (its own event loop in its own thread), so the adapter's
hand-written wire client is never checked against itself.
"""

from __future__ import annotations

import shutil
import subprocess
import tempfile
import threading
import time
import uuid
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from pytest_asyncapi.brokers.containers import docker_problem
from pytest_asyncapi.brokers.local_binary import find_binary
from pytest_asyncapi.brokers.nats import capture as nats_capture_module
from pytest_asyncapi.brokers.nats.capture import NatsCapture, subject_matches
from pytest_asyncapi.brokers.provision import ProvisionedBroker, provision
from pytest_asyncapi.check.contract import judge
from pytest_asyncapi.errors import BrokerError
from pytest_asyncapi.routing import Router, build_routes, machinery
from pytest_asyncapi.spec.loader import load_spec
from tests.support.conformance import (
    AdapterFactory,
    CaptureAdapterConformance,
    Names,
    RawClientFactory,
    closing_factory,
)
from tests.support.nats_clients import NatsPyClient

if TYPE_CHECKING:
    from collections.abc import Callable, Iterator

    from pytest_asyncapi.brokers.base import CaptureAdapter


def nats_names() -> Names:
    p = "t" + uuid.uuid4().hex[:12]
    return Names(
        declared=(f"{p}.user/signedup", f"{p}.lights.*.measured", f"{p}.orders.>"),
        concrete=(f"{p}.user/signedup", f"{p}.lights.42.measured", f"{p}.orders.eu.created"),
        undeclared=f"{p}.unknown.thing",
        overlapping=(f"{p}.a.>", f"{p}.a.*.c", f"{p}.*.b.c", f"{p}.a.b.c"),
        overlapped=f"{p}.a.b.c",
    )


class NatsFixtures(CaptureAdapterConformance):
    """Fixtures shared by both NATS runs; a subclass provides ``nats_url`` and ``killable``."""

    @pytest.fixture
    def adapter_factory(self, nats_url: str) -> Iterator[AdapterFactory]:
        yield from closing_factory(lambda: NatsCapture(nats_url))

    @pytest.fixture
    def raw_client_factory(self, nats_url: str) -> Iterator[RawClientFactory]:
        yield from closing_factory(lambda: NatsPyClient(nats_url))

    @pytest.fixture
    def names(self) -> Names:
        return nats_names()


@pytest.fixture(scope="module")
def local_nats() -> Iterator[ProvisionedBroker]:
    with provision("nats", "local") as broker:
        yield broker


class TestNatsLocal(NatsFixtures):
    @pytest.fixture
    def nats_url(self, local_nats: ProvisionedBroker) -> str:
        return local_nats.endpoint.url

    @pytest.fixture
    def killable(self) -> Iterator[tuple[CaptureAdapter, Callable[[], None]]]:
        with provision("nats", "local") as broker:
            adapter = NatsCapture(broker.endpoint.url)
            yield adapter, broker.kill
            adapter.close()


# -- through a real Docker engine --------------------------------------------------------

SHARED_IMAGE = "pytest-asyncapi/nats-local:test"  # built by .ci/docker.sh
OWN_IMAGE = "pytest-asyncapi/nats-conformance:test"


def _docker(*args: str, timeout: float = 60) -> str:
    done = subprocess.run(
        ["docker", *args], capture_output=True, text=True, timeout=timeout, check=False
    )
    if done.returncode != 0:
        raise RuntimeError(f"docker {' '.join(args)} failed: {done.stderr.strip()}")
    return done.stdout.strip()


@pytest.fixture(scope="session")
def nats_image() -> str:
    """The image `.ci/docker.sh` builds, else one built here from the static nats-server."""
    problem = docker_problem()
    if problem is not None:
        pytest.fail(f"{problem}: run `.ci/docker.sh .venv` (.ci/run installs and starts Docker)")
    for image in (SHARED_IMAGE, OWN_IMAGE):
        try:
            _docker("image", "inspect", image)
        except RuntimeError:
            continue
        return image
    with tempfile.TemporaryDirectory() as context:
        shutil.copy(find_binary("nats"), Path(context) / "nats-server")
        (Path(context) / "Dockerfile").write_text(
            "FROM scratch\nCOPY nats-server /nats-server\nEXPOSE 4222\n"
            'ENTRYPOINT ["/nats-server"]\n'
        )
        _docker("build", "-q", "-t", OWN_IMAGE, context, timeout=120)
    return OWN_IMAGE


@pytest.fixture(scope="module")
def nats_container(nats_image: str) -> Iterator[ProvisionedBroker]:
    with provision("nats", "container", image=nats_image) as broker:
        yield broker


@pytest.mark.docker
class TestNatsDocker(NatsFixtures):
    @pytest.fixture
    def nats_url(self, nats_container: ProvisionedBroker) -> str:
        assert nats_container.endpoint.source == "container"
        return nats_container.endpoint.url

    @pytest.fixture
    def killable(self, nats_image: str) -> Iterator[tuple[CaptureAdapter, Callable[[], None]]]:
        with provision("nats", "container", image=nats_image) as broker:
            adapter = NatsCapture(broker.endpoint.url)
            yield adapter, broker.kill
            adapter.close()


# -- NATS specifics ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("pattern", "subject", "expected"),
    [
        ("a.b", "a.b", True),
        ("a.b", "a.b.c", False),
        ("a.*", "a.b", True),
        ("a.*", "a.b.c", False),
        ("a.>", "a.b.c", True),
        ("a.>", "a", False),
        (">", "a", True),
        ("*.b.*", "x.b.y", True),
        ("user/signedup", "user/signedup", True),
        ("user/signedup", "user/signedout", False),
    ],
)
def test_subject_matches(pattern: str, subject: str, expected: bool) -> None:
    assert subject_matches(pattern.split("."), subject.split(".")) is expected


@pytest.fixture
def capture(local_nats: ProvisionedBroker) -> Iterator[NatsCapture]:
    adapter = NatsCapture(local_nats.endpoint.url)
    yield adapter
    adapter.close()


@pytest.fixture
def nats_py(local_nats: ProvisionedBroker) -> Iterator[NatsPyClient]:
    client = NatsPyClient(local_nats.endpoint.url)
    yield client
    client.close()


def test_internal_subjects_are_recorded_and_judged_as_machinery_not_undeclared(
    capture: NatsCapture, nats_py: NatsPyClient, tmp_path: Path
) -> None:
    """The adapter records everything (CONTRACTS.md §3); the judge knows NATS' machinery."""
    p = uuid.uuid4().hex[:8]
    declared = f"$KV.{p}.declared"
    capture.start([declared])
    internal = [f"_INBOX.{p}", f"$JS.API.{p}", f"$KV.{p}.k", f"$O.{p}", f"$JSC.{p}", f"_R_.{p}"]
    nats_py.publish([(subject, b"internal", None) for subject in internal])
    nats_py.publish([(declared, b"declared", None), (f"x{p}", b"stray", None)])
    records = capture.drain()
    assert [r.destination for r in records] == [*internal, declared, f"x{p}"]
    path = tmp_path / "kv.yaml"
    path.write_text(
        "asyncapi: 3.0.0\ninfo: {title: t, version: '1'}\n"
        f"channels:\n  kv:\n    address: '{declared}'\n"
    )
    spec = load_spec(path)
    router = Router(build_routes([spec], "nats")[0], machinery=machinery("nats"))
    outcomes = [[v.outcome.value for v in judge(r, router)] for r in records]
    assert outcomes == [[]] * len(internal) + [["unchecked"], ["undeclared"]]


def test_drain_is_bounded_under_continuous_traffic(local_nats: ProvisionedBroker) -> None:
    url = local_nats.endpoint.url
    adapter = NatsCapture(url, settle=0.05, max_settle=0.2)
    publisher = NatsPyClient(url)
    adapter.start(["busy.>"])
    stop = threading.Event()

    def flood() -> None:  # at most 10 s, so an unbounded drain fails instead of hanging
        deadline = time.monotonic() + 10
        while not stop.is_set() and time.monotonic() < deadline:
            publisher.publish([("busy.x", b"x", None)] * 20)

    thread = threading.Thread(target=flood)
    thread.start()
    try:
        assert adapter.take(5)
        began = time.monotonic()
        drained = adapter.drain()
        elapsed = time.monotonic() - began
    finally:
        stop.set()
        thread.join(15)
        publisher.close()
        adapter.close()
    assert drained
    assert 0.2 <= elapsed < 1.2


def test_start_twice_key_and_bad_pattern_are_clear_errors(capture: NatsCapture) -> None:
    with pytest.raises(BrokerError, match=r"invalid NATS subject pattern: 'a\.\.b'"):
        capture.start(["a..b"])
    capture.start(["ok"])
    with pytest.raises(BrokerError, match="already called"):
        capture.start(["again"])
    with pytest.raises(BrokerError, match="no key"):
        capture.publish("ok", b"x", key=b"k")
    with pytest.raises(BrokerError, match="no wildcards"):
        capture.publish("ok.*", b"x")


def test_take_raises_once_the_broker_is_gone() -> None:
    with provision("nats", "local") as broker:
        adapter = NatsCapture(broker.endpoint.url)
        adapter.start(["x"])
        broker.kill()
        began = time.monotonic()
        with pytest.raises(BrokerError, match="lost"):
            adapter.take(10)
        assert time.monotonic() - began < 5
        adapter.close()


def test_round_trip_alone_delivers_what_was_flushed(
    local_nats: ProvisionedBroker, nats_py: NatsPyClient
) -> None:
    adapter = NatsCapture(local_nats.endpoint.url, settle=0, max_settle=0)
    try:
        adapter.start(["flushed"])
        for _ in range(5):
            nats_py.publish([("flushed", b"%d" % i, None) for i in range(200)])
            assert len(adapter.drain()) == 200
    finally:
        adapter.close()


def test_owner_cache_is_bounded_and_attribution_survives_a_reset(
    monkeypatch: pytest.MonkeyPatch, local_nats: ProvisionedBroker, nats_py: NatsPyClient
) -> None:
    """Declared-subjects mode: a subject's owner (its first matching pattern) is cached."""
    monkeypatch.setattr(nats_capture_module, "_OWNER_CACHE_SIZE", 3)
    adapter = NatsCapture(local_nats.endpoint.url, mode="declared")
    try:
        p = uuid.uuid4().hex[:8]
        adapter.start([f"{p}.declared.*", f"{p}.*.1", f"{p}.>"])
        subjects = [f"{p}.declared.{i}" if i % 2 else f"{p}.other.{i}" for i in range(10)]
        nats_py.publish([(subject, b"x", None) for subject in subjects * 2])
        assert [r.destination for r in adapter.drain()] == subjects * 2
        assert len(adapter._owner) <= 3
    finally:
        adapter.close()
