"""One command, one table: every speed figure against a baseline measured in the same run.

Run: python benchmarks/run_all.py [--quick]

Rows: capture (+ validation) vs a bare client (NATS, Kafka), the validator vs plain
``jsonschema``, the plugin's per-test cost vs no plugin, session start per broker source, and
spec load time. The individual ``bench_*.py`` scripts give more detail on each.
"""

from __future__ import annotations

import argparse
import platform
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from unittest import mock

sys.path.insert(0, str(Path(__file__).resolve().parent))

import bench_kafka_capture as kafka_bench
import bench_loading as loading_bench
import bench_nats_capture as nats_bench
import bench_plugin_overhead as overhead_bench
import bench_validator as validator_bench
import jsonschema

from pytest_asyncapi.schemas.compile import compile_schema
from pytest_asyncapi.spec import loader
from pytest_asyncapi.spec.model import SchemaSpec
from pytest_asyncapi.spec.options import LoadOptions

Row = tuple[str, float, str, float | None, str]
"""(measurement, ours, unit, baseline, goal)"""


def median_of(repeat: int, run: Callable[[], float]) -> float:
    return statistics.median(run() for _ in range(repeat))


def capture_rows(count: int, kafka_count: int, repeat: int) -> list[Row]:
    from pytest_asyncapi.brokers.provision import provision

    rows: list[Row] = []
    with provision("nats", "local") as broker:
        url = broker.endpoint.url
        bare = median_of(repeat, lambda: nats_bench.bare_nats_py(url, count))
        bare_valid = median_of(repeat, lambda: nats_bench.bare_nats_py(url, count, True))
        ours = median_of(repeat, lambda: nats_bench.capture(url, count, False))
        ours_valid = median_of(repeat, lambda: nats_bench.capture(url, count, True))
    rows += [
        ("NATS capture vs bare nats-py subscriber (msg/s)", ours, "msg/s", bare, ""),
        ("NATS capture+validate vs bare nats-py (msg/s)", ours_valid, "msg/s", bare, ">= 0.9x"),
        ("NATS capture+validate vs nats-py+validate", ours_valid, "msg/s", bare_valid, ""),
    ]

    def servers(url: str) -> str:
        return url.split("://", 1)[1]

    def on_kafka(run: Callable[[str], float]) -> float:
        return median_of(repeat, lambda: kafka_bench.on_fresh_broker(run))

    bare = on_kafka(lambda url: kafka_bench.bare_aiokafka(servers(url), kafka_count))
    bare_valid = on_kafka(lambda url: kafka_bench.bare_aiokafka(servers(url), kafka_count, True))
    ours = on_kafka(lambda url: kafka_bench.capture(url, kafka_count, False))
    ours_valid = on_kafka(lambda url: kafka_bench.capture(url, kafka_count, True))
    rows += [
        ("Kafka capture vs bare aiokafka consumer (rec/s)", ours, "rec/s", bare, ""),
        ("Kafka capture+validate vs bare aiokafka", ours_valid, "rec/s", bare, ">= 0.9x"),
        ("Kafka capture+validate vs aiokafka+validate", ours_valid, "rec/s", bare_valid, ""),
    ]
    return rows


def validator_rows() -> list[Row]:
    rows: list[Row] = []
    for label, (schema, event) in (
        ("30-field event", validator_bench.big_event()),
        ("4-field event", validator_bench.small_event()),
    ):
        compiled = compile_schema(SchemaSpec(schema, "", "/bench"))
        plain = jsonschema.Draft7Validator(schema)
        ours = validator_bench.rate(lambda c=compiled, e=event: c.is_valid(e))
        base = validator_bench.rate(lambda p=plain, e=event: p.is_valid(e))
        rows.append((f"validator vs jsonschema Draft7, {label} (/s)", ours, "/s", base, ""))
    return rows


def overhead_rows(repeat: int, tests: int) -> list[Row]:
    rows: list[Row] = []
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        small = overhead_bench.make_suite(folder, 1)
        large = overhead_bench.make_suite(folder, tests + 1)
        for spec in overhead_bench.SPECS.values():
            for suite in (small, large):
                sample = overhead_bench.ROOT / "sample_specs" / spec
                (suite / spec).write_bytes(sample.read_bytes())
        off = overhead_bench.slope_ms(repeat, small, large, tests, "-p", "no:asyncapi")
        for protocol, spec in overhead_bench.SPECS.items():
            on = overhead_bench.slope_ms(
                repeat, small, large, tests, "--asyncapi", spec, "--asyncapi-broker", "local"
            )
            goal = "<= 3 ms" if protocol == "nats" else "<= 30 ms"
            label = f"per-test cost, plugin on ({protocol}) vs off (ms)"
            rows.append((label, on, "ms", off, goal))
            rows.append(
                (f"  plugin overhead per test ({protocol}, ms)", on - off, "ms", None, goal)
            )
        co_on = overhead_bench.median_seconds(repeat, large, "--co") * 1e3
        co_off = overhead_bench.median_seconds(repeat, large, "--co", "-p", "no:asyncapi") * 1e3
        rows.append(
            (
                f"pytest --co, {tests} tests, plugin off vs not loaded (ms)",
                co_on,
                "ms",
                co_off,
                "~1.0x",
            )
        )
    for protocol in overhead_bench.SPECS:
        local = overhead_bench.session_start(protocol, "local", None, repeat + 2)
        rows.append((f"session start, {protocol}, local binary (ms)", local, "ms", None, ""))
        image = overhead_bench.IMAGES[protocol]
        if overhead_bench.image_exists(image):
            container = overhead_bench.session_start(protocol, "container", image, repeat)
            rows.append((f"session start, {protocol}, container (ms)", container, "ms", None, ""))
    return rows


def loading_rows(rounds: int) -> list[Row]:
    options = LoadOptions()
    full = sum(loading_bench.median_ms(p, rounds, options) for p in loading_bench.SAMPLES)
    with mock.patch.object(loader, "official_findings", return_value=[]):
        bare = sum(loading_bench.median_ms(p, rounds, options) for p in loading_bench.SAMPLES)
    label = f"load+check all {len(loading_bench.SAMPLES)} sample specs vs no official check (ms)"
    return [(label, full, "ms", bare, "")]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--quick", action="store_true", help="smaller counts, one repeat")
    quick = parser.parse_args().quick
    repeat = 1 if quick else 3
    began = time.perf_counter()
    rows = validator_rows()
    rows += loading_rows(5 if quick else 15)
    rows += capture_rows(50_000 if quick else 200_000, 20_000 if quick else 50_000, repeat)
    rows += overhead_rows(repeat, 100 if quick else 300)
    print(
        f"machine: {platform.platform()}, {platform.python_implementation()} "
        f"{platform.python_version()}, {len(__import__('os').sched_getaffinity(0))} cores"
    )
    print("| measurement | ours | baseline | ratio | goal |")
    print("|---|---:|---:|---:|---|")
    for name, ours, _unit, base, goal in rows:
        ratio = f"{ours / base:.2f}x" if base else ""
        base_text = f"{base:,.1f}" if base is not None else ""
        print(f"| {name} | {ours:,.1f} | {base_text} | {ratio} | {goal} |")
    print(f"(total {time.perf_counter() - began:.0f} s)")


if __name__ == "__main__":
    main()
