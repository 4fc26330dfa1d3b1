"""What the plugin costs a test suite, measured against the same suite without it in one run.

Run: python benchmarks/bench_plugin_overhead.py [--repeat N] [--protocols nats,kafka,mqtt,amqp]

1. ``pytest --co`` on a small suite: plugin installed but off vs ``-p no:asyncapi`` (goal: ~0).
2. Per-test overhead with no traffic: the slope of run time over the number of tests, plugin on
   minus plugin off (alternating runs), on a local broker of each protocol started once and
   passed as a URL (no run pays a broker start; goals: <= 3 ms NATS, MQTT, AMQP, <= 30 ms Kafka).
3. Session start: provisioning a local broker, and a container when the locally built image exists.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from collections.abc import Iterator

ROOT = Path(__file__).resolve().parents[1]
SPECS = {
    "nats": "user-signup-3.0.yaml",
    "kafka": "orders-kafka.yaml",
    "mqtt": "streetlights-mqtt.yaml",
    "amqp": "accounts-amqp.yaml",
}
IMAGES = {
    "nats": "pytest-asyncapi/nats-local:test",
    "kafka": "pytest-asyncapi/tansu-local:test",
    "mqtt": "pytest-asyncapi/mosquitto-local:test",
    "amqp": "pytest-asyncapi/rabbitmq-local:test",
}
ONE_TEST = ("nats", "kafka", "mqtt")
"""Protocols of the one-test-run row: AMQP's local broker is an Erlang node whose start (seconds,
its session-start row) would be the whole figure."""
PER_TEST_GOAL_MS = {"nats": 3.0, "kafka": 30.0, "mqtt": 3.0, "amqp": 3.0}


def make_suite(folder: Path, tests: int) -> Path:
    suite = folder / f"suite_{tests}"
    suite.mkdir()
    body = "".join(f"def test_{i}():\n    pass\n\n\n" for i in range(tests))
    (suite / "test_many.py").write_text(body)
    (suite / "pytest.ini").write_text("[pytest]\n")
    return suite


def run_seconds(suite: Path, *args: str) -> float:
    env = {k: v for k, v in os.environ.items() if k not in ("NATS_URL", "ASYNCAPI_BROKER")}
    start = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", *args],
        cwd=suite,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    elapsed = time.perf_counter() - start
    if done.returncode not in (0, 5):
        raise SystemExit(f"pytest failed in {suite}:\n{done.stdout[-2000:]}{done.stderr[-2000:]}")
    return elapsed


@contextmanager
def local_broker_url(protocol: str) -> Iterator[str]:
    """A local broker of ``protocol`` for the duration; its URL."""
    from pytest_asyncapi.brokers.local_binary import start_local

    broker = start_local(protocol, startup_timeout=60)
    try:
        yield broker.endpoint.url
    finally:
        broker.stop()


def per_test_ms(
    repeat: int, small: Path, large: Path, count: int, protocol: str
) -> tuple[float, float]:
    """Milliseconds per test with the plugin on and off, on one local broker for every run;
    the four runs of a round (small and large, on and off) alternate, so load on the machine
    falls on both."""
    with local_broker_url(protocol) as url:
        on_args = ("--asyncapi", SPECS[protocol], "--asyncapi-broker", url)
        runs: dict[tuple[bool, Path], list[float]] = {
            (on, suite): [] for on in (True, False) for suite in (small, large)
        }
        for _ in range(repeat):
            for (on, suite), times in runs.items():
                times.append(run_seconds(suite, *(on_args if on else ("-p", "no:asyncapi"))))
    median = {key: statistics.median(times) for key, times in runs.items()}
    on_ms = (median[True, large] - median[True, small]) / count * 1e3
    off_ms = (median[False, large] - median[False, small]) / count * 1e3
    return on_ms, off_ms


def median_seconds(repeat: int, suite: Path, *args: str) -> float:
    return statistics.median(run_seconds(suite, *args) for _ in range(repeat))


def slope_ms(repeat: int, small: Path, large: Path, count: int, *args: str) -> float:
    """Milliseconds per test: (large run - small run) / (tests in large - tests in small)."""
    return (
        (median_seconds(repeat, large, *args) - median_seconds(repeat, small, *args)) / count * 1e3
    )


def session_start(protocol: str, mode: str, image: str | None, repeat: int) -> float:
    from pytest_asyncapi.brokers.provision import provision

    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        broker = provision(protocol, mode, image=image)
        times.append(time.perf_counter() - start)
        broker.stop()
    return statistics.median(times) * 1e3


def image_exists(tag: str) -> bool:
    done = subprocess.run(["docker", "image", "inspect", tag], capture_output=True, check=False)
    return done.returncode == 0


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--tests", type=int, default=300)
    parser.add_argument("--protocols", default=",".join(SPECS))
    options = parser.parse_args()
    protocols = [p for p in options.protocols.split(",") if p]
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        small, large = make_suite(folder, 1), make_suite(folder, options.tests + 1)
        for spec in SPECS.values():
            for suite in (small, large):
                (suite / spec).write_bytes((ROOT / "sample_specs" / spec).read_bytes())

        on = median_seconds(options.repeat, large, "--co")
        off = median_seconds(options.repeat, large, "--co", "-p", "no:asyncapi")
        print(
            f"pytest --co, {options.tests} tests: plugin off-but-installed {on * 1e3:.0f} ms, "
            f"not loaded {off * 1e3:.0f} ms, difference {(on - off) * 1e3:+.0f} ms"
        )

        base = slope_ms(options.repeat, small, large, options.tests, "-p", "no:asyncapi")
        print(f"per test, plugin not loaded: {base:.2f} ms")
        for protocol in protocols:
            on, off = per_test_ms(options.repeat, small, large, options.tests, protocol)
            print(
                f"per test, plugin on ({protocol}, local broker): {on:.2f} ms, off in the same "
                f"rounds {off:.2f} ms -> overhead {on - off:.2f} ms per test"
            )

    for protocol in protocols:
        local = session_start(protocol, "local", None, options.repeat + 2)
        line = f"session start {protocol}: local binary {local:.0f} ms"
        if image_exists(IMAGES[protocol]):
            container = session_start(protocol, "container", IMAGES[protocol], options.repeat)
            line += f", container {container:.0f} ms ({IMAGES[protocol]})"
        else:
            line += ", container: image not built (run .ci/docker.sh .venv)"
        print(line)


if __name__ == "__main__":
    main()
