"""The session-start path: readiness polling, the capture's imports during the broker start,
the stop signal and the exit wait of a local broker, the NATS check connection skipped when
there is nothing to check. No broker binaries: fake ones and stand-ins."""

from __future__ import annotations

import importlib
import itertools
import signal
import stat
import sys
from pathlib import Path
from types import SimpleNamespace
from typing import TYPE_CHECKING, Any, cast

import pytest

from pytest_asyncapi.brokers import local_binary, nats, probes, registry
from pytest_asyncapi.brokers.nats import connect as nats_connect
from pytest_asyncapi.brokers.nats.options import NatsOptions
from pytest_asyncapi.brokers.preload import preloading

if TYPE_CHECKING:
    from pytest_asyncapi.plugin.settings import Settings


def test_readiness_pauses_start_at_2_ms_and_grow_to_100_ms() -> None:
    pauses: list[float] = []
    attempts = iter(range(20))

    def probe(timeout: float) -> None:
        if next(attempts) < 19:
            raise probes.ProbeError("not yet")

    def pause(interval: float) -> None:
        pauses.append(interval)

    probes.poll_until_ready(probe, pause, 60)
    assert pauses[:4] == pytest.approx([0.002, 0.003, 0.0045, 0.00675])
    assert all(b == pytest.approx(min(a * 1.5, 0.1)) for a, b in itertools.pairwise(pauses))
    assert pauses[-1] == 0.1


def test_preloading_imports_the_modules_and_ignores_a_failing_one(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "preloaded_client_library.py").write_text("LOADED = True\n")
    monkeypatch.syspath_prepend(tmp_path)
    monkeypatch.delitem(sys.modules, "preloaded_client_library", raising=False)
    with preloading(("pytest_asyncapi.no_such_module", "preloaded_client_library")):
        pass
    assert sys.modules["preloaded_client_library"].LOADED


@pytest.mark.parametrize("protocol", registry.names())
def test_every_preloaded_module_exists(protocol: str) -> None:
    preload = registry.describe(protocol).preload
    assert preload
    for name in preload:
        importlib.import_module(name)


def _sleeper(tmp_path: Path) -> Path:
    script = tmp_path / "fake-broker"
    script.write_text("#!/bin/sh\nexec sleep 600\n")
    script.chmod(script.stat().st_mode | stat.S_IXUSR)
    return script


@pytest.mark.parametrize(("stop_signal", "status"), [(signal.SIGTERM, 143), (signal.SIGKILL, 137)])
def test_the_watchdog_stops_the_broker_with_the_recipe_signal(
    tmp_path: Path, stop_signal: int, status: int
) -> None:
    with (tmp_path / "broker.log").open("wb") as log:
        watched = local_binary._Watched.spawn(
            [str(_sleeper(tmp_path))], tmp_path, log, stop_signal=stop_signal
        )
    watched.stop()
    assert watched.watchdog.returncode == status  # 128 + the signal that ended the broker


def test_mosquitto_is_stopped_by_sigkill_the_others_by_sigterm() -> None:
    stops = {name: registry.describe(name).local.stop_signal for name in registry.names()}
    assert stops.pop("mqtt") == signal.SIGKILL
    assert set(stops.values()) == {signal.SIGTERM}


def test_exit_wait_says_whether_the_process_ended(tmp_path: Path) -> None:
    import subprocess

    done = subprocess.Popen(["true"])
    assert local_binary._exits_within(done, 30)
    running = subprocess.Popen([str(_sleeper(tmp_path))])
    try:
        assert not local_binary._exits_within(running, 0.01)
    finally:
        running.kill()
        running.wait()


def _settings(broker: str = "local", image: str | None = None, **nats_options: Any) -> Settings:
    return cast(
        "Settings",
        SimpleNamespace(
            broker=broker,
            image=image,
            startup_timeout=5.0,
            protocol_options={"nats": NatsOptions(**nats_options)},
        ),
    )


@pytest.mark.parametrize(
    ("settings", "checked"),
    [
        (_settings("local"), False),
        (_settings("auto"), False),
        (_settings("container"), False),
        (_settings("url"), True),
        (_settings("container", image="my/nats:auth"), True),
        (_settings("local", config=Path("nats.conf")), True),
        (_settings("local", connect=nats_connect.NatsConnectSettings(token="s3cret")), True),
        (_settings("auto", connect=nats_connect.NatsConnectSettings(handshake_first=True)), True),
    ],
)
def test_the_nats_check_connection_runs_only_when_there_is_something_to_check(
    monkeypatch: pytest.MonkeyPatch, settings: Settings, checked: bool
) -> None:
    calls: list[str] = []
    monkeypatch.setattr(nats_connect, "check_connection", lambda url, *a: calls.append(url))
    nats.DESCRIPTION.prepare_session("nats://127.0.0.1:4222", settings)
    assert calls == (["nats://127.0.0.1:4222"] if checked else [])
