"""One command, one table: every goal of the speed work, with its figure, the baseline
measured in the same run, the ratio, and pass/short.

Run: python benchmarks/run_all.py [--quick]   (from a clean clone: bash scripts/setup.sh first)

Goal rows: the plugin's real path (publish -> drain -> judge, inside pytest) against a bare
client that only receives (NATS, Kafka, MQTT, AMQP; ``bench_real_path.py``); a one-test pytest
run with the plugin against the same run without it; loading a 1000-channel document and how
load time grows with ten times the channels; the per-test cost with no traffic; peak memory
over 10 windows of messages. Reference rows (no goal): the validator against plain ``jsonschema``,
batched decode + validate against one message at a time (``bench_batching.py``),
``pytest --co`` with the plugin installed but off, session start per broker source.
The individual ``bench_*.py`` scripts give more detail on each.
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import bench_batching as batching_bench
import bench_loading as loading_bench
import bench_plugin_overhead as overhead_bench
import bench_real_path as real_bench
import bench_validator as validator_bench
import jsonschema

from pytest_asyncapi.errors import BrokerError
from pytest_asyncapi.schemas.compile import compile_schema
from pytest_asyncapi.spec.model import SchemaSpec
from pytest_asyncapi.spec.options import LoadOptions


@dataclass(frozen=True)
class Row:
    name: str
    figure: float
    unit: str
    baseline: float | None = None
    goal: str = ""
    passed: bool | None = None
    """``None``: a reference row without a goal."""

    @property
    def ratio(self) -> str:
        return f"{self.figure / self.baseline:.2f}x" if self.baseline else ""

    def shown(self, value: float) -> str:
        """Seconds to the hundredth (the one-test goal is a difference of 0.3 s), the rest
        to a tenth."""
        return f"{value:,.2f}" if self.unit == "s" else f"{value:,.1f}"

    @property
    def status(self) -> str:
        return "" if self.passed is None else ("pass" if self.passed else "short")


def real_path_rows(quick: bool, repeat: int) -> list[Row]:
    rows = []
    for protocol, full, small, goal in (
        ("nats", 200_000, 50_000, 1.0),
        ("kafka", 50_000, 20_000, 0.9),
        ("mqtt", 50_000, 20_000, 0.9),
        ("amqp", 50_000, 20_000, 0.9),
    ):
        result = real_bench.compare(protocol, small if quick else full, repeat)
        rows.append(
            Row(
                f"{protocol.upper()} real path: publish -> drain -> judge, "
                f"{result.count // 1000} k valid 200 B events vs a bare client receiving (msg/s)",
                result.real_rate,
                "msg/s",
                result.bare_rate,
                f">= {goal}x",
                result.ratio >= goal,
            )
        )
    per_test = 20_000 if quick else 100_000
    run = real_bench.memory(per_test)
    rows.append(
        Row(
            f"peak RSS after 10 windows of {per_test // 1000} k NATS messages vs after 2 (MB)",
            run.peak_rss_mb[-1],
            "MB",
            run.peak_rss_mb[1],
            "flat (<= 1.1x)",
            run.peak_rss_mb[-1] <= 1.1 * run.peak_rss_mb[1],
        )
    )
    return rows


def one_test_seconds(suite: Path, *args: str) -> float:
    """A whole ``pytest`` run of the suite (cache provider on, as users run it), with Python's
    bytecode cache on as well: ``pip install`` compiles a package's modules, so a user's run
    does not compile them (a ``PYTHONDONTWRITEBYTECODE`` in the environment would make every
    run compile the plugin's modules from source, about 70 ms here, and the warm-up run would
    not fix it)."""
    dropped = ("NATS_URL", "ASYNCAPI_BROKER", "PYTHONDONTWRITEBYTECODE")
    env = {k: v for k, v in os.environ.items() if k not in dropped}
    began = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", *args],
        cwd=suite,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    elapsed = time.perf_counter() - began
    if done.returncode != 0:
        raise SystemExit(f"pytest failed in {suite}:\n{done.stdout[-2000:]}{done.stderr[-2000:]}")
    return elapsed


def one_test_rows(repeat: int) -> list[Row]:
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        for protocol in overhead_bench.ONE_TEST:
            spec = overhead_bench.SPECS[protocol]
            suite = folder / protocol
            suite.mkdir()
            (suite / "test_one.py").write_text("def test_one():\n    pass\n")
            (suite / "pytest.ini").write_text("[pytest]\n")
            (suite / spec).write_bytes((overhead_bench.ROOT / "sample_specs" / spec).read_bytes())
            on_args = ("--asyncapi", spec, "--asyncapi-broker", "local")
            one_test_seconds(suite, *on_args)  # warm: the cache a second run finds
            on, off = [], []
            for _ in range(repeat):
                on.append(one_test_seconds(suite, *on_args))
                off.append(one_test_seconds(suite, "-p", "no:asyncapi"))
            on_s, off_s = statistics.median(on), statistics.median(off)
            rows.append(
                Row(
                    f"one-test pytest run, plugin on ({protocol}, local broker) vs off (s)",
                    on_s,
                    "s",
                    off_s,
                    "<= +0.3 s",
                    on_s - off_s <= 0.3,
                )
            )
    return rows


def loading_rows(rounds: int) -> list[Row]:
    options = LoadOptions()
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        parse_ms = loading_bench.parse_ms(1000, rounds, folder)
        # Alternating rounds, as for every other baseline: a slow spell hits both sizes.
        paths = {n: loading_bench.warm_document(n, folder, options) for n in (1000, 10_000)}
        times: dict[int, list[float]] = {n: [] for n in paths}
        for _ in range(rounds):
            for n, (path, warm) in paths.items():
                times[n].append(loading_bench.median_ms(path, 1, warm))
        thousand, ten_thousand = (statistics.median(times[n]) for n in paths)
    return [
        Row(
            "1000-channel document: load + check, warm, vs parsing its YAML alone (ms)",
            thousand,
            "ms",
            parse_ms,
            "<= 200 ms",
            thousand <= 200,
        ),
        Row(
            "10000-channel document vs 1000-channel: load + check (ms)",
            ten_thousand,
            "ms",
            thousand,
            "<= 11x",
            ten_thousand <= 11 * thousand,
        ),
    ]


def overhead_rows(repeat: int, tests: int, per_test_rounds: int) -> list[Row]:
    """Per-test cost (``per_test_rounds`` rounds: a slope of two medians moves by about a
    millisecond per test with 3 here) and ``--co`` (``repeat``)."""
    rows: list[Row] = []
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        small = overhead_bench.make_suite(folder, 1)
        large = overhead_bench.make_suite(folder, tests + 1)
        for spec in overhead_bench.SPECS.values():
            for suite in (small, large):
                sample = overhead_bench.ROOT / "sample_specs" / spec
                (suite / spec).write_bytes(sample.read_bytes())
        for protocol in overhead_bench.SPECS:
            on, off = overhead_bench.per_test_ms(per_test_rounds, small, large, tests, protocol)
            limit = overhead_bench.PER_TEST_GOAL_MS[protocol]
            rows.append(
                Row(
                    f"per-test cost with no traffic, plugin on ({protocol}) vs off (ms)",
                    on,
                    "ms",
                    off,
                    f"<= +{limit:g} ms",
                    on - off <= limit,
                )
            )
        co_on = overhead_bench.median_seconds(repeat, large, "--co") * 1e3
        co_off = overhead_bench.median_seconds(repeat, large, "--co", "-p", "no:asyncapi") * 1e3
        rows.append(
            Row(f"pytest --co, {tests} tests, plugin off vs not loaded (ms)", co_on, "ms", co_off)
        )
    return rows


def session_start_rows(repeat: int) -> list[Row]:
    """Session start per protocol: local binary, and a container where its image is built."""
    rows: list[Row] = []
    for protocol in overhead_bench.SPECS:
        local = overhead_bench.session_start(protocol, "local", None, repeat + 2)
        rows.append(Row(f"session start, {protocol}, local binary (ms)", local, "ms"))
        image = overhead_bench.IMAGES[protocol]
        if overhead_bench.image_exists(image):
            try:
                container = overhead_bench.session_start(protocol, "container", image, repeat)
            except BrokerError as error:  # e.g. the reaper image cannot be pulled
                print(f"session start, {protocol}, container: not measured: {error}")
                continue
            rows.append(Row(f"session start, {protocol}, container (ms)", container, "ms"))
    return rows


def validator_rows() -> list[Row]:
    rows = []
    for label, (schema, event) in (
        ("30-field event", validator_bench.big_event()),
        ("4-field event", validator_bench.small_event()),
    ):
        compiled = compile_schema(SchemaSpec(schema, "", "/bench"))
        plain = jsonschema.Draft7Validator(schema)
        ours = validator_bench.rate(lambda c=compiled, e=event: c.is_valid(e))
        base = validator_bench.rate(lambda p=plain, e=event: p.is_valid(e))
        rows.append(Row(f"validator vs jsonschema Draft7, {label} (/s)", ours, "/s", base))
    return rows


def batching_rows(count: int) -> list[Row]:
    found = batching_bench.rates(count)
    base = found.pop(batching_bench.PER_MESSAGE)
    return [
        Row(f"decode + validate, {name}, vs per message (msg/s)", rate, "msg/s", base)
        for name, rate in found.items()
    ]


def table(rows: list[Row]) -> list[str]:
    lines = [
        "| measurement | figure | baseline | ratio | goal | status |",
        "|---|---:|---:|---:|---|---|",
    ]
    for row in rows:
        baseline = row.shown(row.baseline) if row.baseline is not None else ""
        lines.append(
            f"| {row.name} | {row.shown(row.figure)} | {baseline} | {row.ratio} | {row.goal} "
            f"| {row.status} |"
        )
    return lines


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="smaller counts, fewer rounds")
    quick = parser.parse_args().quick
    repeat = 3
    began = time.perf_counter()
    # The goal rows of start-up, per-test cost and loading first, then the heavy ones (the
    # session starts: containers that Docker goes on tearing down after they stop; the real
    # paths: hundreds of MB touched and freed). After those, every fresh process on these VMs
    # runs slower for a while (measured: the one-test run without the plugin 0.5 -> 0.7 s;
    # NATS per-test +4.6 ms in a run where it followed the 10000-channel loads, +2.2 ms by
    # hand minutes later; the 1000-channel load 209 ms right after the session starts, 129-148
    # ms before them). One-test runs spread by +-0.15 s from run to run: the median of 9 pairs.
    start_up = one_test_rows(3 if quick else 9)
    # 1000 tests: a run's start spreads by +-0.15 s, which moved the slope over 300 tests by
    # +-0.5 ms a test (NATS read +2.2 to +4.6 ms, AMQP +1.3 to +3.1 ms the same day)
    start_up += overhead_rows(repeat, 100 if quick else 1000, 3 if quick else 5)
    start_up += loading_rows(3 if quick else 5)
    start_up += session_start_rows(repeat)
    rows = real_path_rows(quick, repeat) + start_up
    rows += validator_rows()
    rows += batching_rows(20_000 if quick else 50_000)
    print(
        f"machine: {platform.platform()}, {platform.python_implementation()} "
        f"{platform.python_version()}, {len(os.sched_getaffinity(0))} cores"
    )
    for line in table(rows):
        print(line)
    goals = [r for r in rows if r.passed is not None]
    short = [r.name for r in goals if not r.passed]
    print(
        f"goals: {len(goals) - len(short)} of {len(goals)} pass"
        + (f"; short: {'; '.join(short)}" if short else "")
    )
    print(f"(total {time.perf_counter() - began:.0f} s)")


if __name__ == "__main__":
    main()
