"""Decode + validate one message at a time against batched forms of the same work, same run.

Run: ``python benchmarks/bench_batching.py [--count 50000]``.

On ``count`` valid ~200-byte events (``bench_real_path.event``) and their schema:

1. per message: ``orjson.loads`` + ``is_valid`` (what the fast path does);
2. safe batch: ``orjson.loads`` per message, one ``is_valid`` of the list against
   ``{"type": "array", "items": schema}``;
3. joined batch: one ``orjson.loads`` of ``b"[" + b",".join(payloads) + b"]"`` and one
   ``is_valid`` of the list. Not safe to adopt: payloads that are not JSON on their own can
   join into a valid array with the same number of elements (``1,2`` + ``[3`` + ``4]``), so
   a malformed message could pass.

Prints messages per second and the ratio to (1). Read the ratios.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

import orjson
import yaml

sys.path.insert(0, str(Path(__file__).resolve().parent))

import bench_real_path as real_bench

from pytest_asyncapi.schemas.compile import compile_schema
from pytest_asyncapi.spec.model import SchemaSpec

if TYPE_CHECKING:
    from collections.abc import Callable

PER_MESSAGE = "per message: loads + is_valid"


def event_schema() -> dict[str, Any]:
    spec = yaml.safe_load(
        real_bench.SPEC.format(protocol="nats", address="a", partitions=1, exchange="e")
    )
    schema: dict[str, Any] = spec["components"]["messages"]["Event"]["payload"]
    return schema


def rates(count: int, rounds: int = 5) -> dict[str, float]:
    schema = event_schema()
    one = compile_schema(SchemaSpec(schema, "", "/one")).is_valid
    many = compile_schema(SchemaSpec({"type": "array", "items": schema}, "", "/many")).is_valid
    payloads = [real_bench.event(i) for i in range(count)]
    loads = orjson.loads

    def per_message() -> bool:
        return all(one(loads(p), trusted=True) for p in payloads)

    def safe_batch() -> bool:
        return bool(many([loads(p) for p in payloads], trusted=True))

    def joined_batch() -> bool:
        values = loads(b"[" + b",".join(payloads) + b"]")
        return len(values) == count and bool(many(values, trusted=True))

    modes: dict[str, Callable[[], bool]] = {
        PER_MESSAGE: per_message,
        "safe batch: loads each, one is_valid": safe_batch,
        "joined batch: one loads, one is_valid (unsafe)": joined_batch,
    }
    times: dict[str, list[float]] = {name: [] for name in modes}
    for _ in range(rounds):
        for name, run in modes.items():
            began = time.perf_counter()
            assert run(), name
            times[name].append(time.perf_counter() - began)
    return {name: count / statistics.median(t) for name, t in times.items()}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=50_000)
    count = parser.parse_args().count
    found = rates(count)
    base = found[PER_MESSAGE]
    print(f"{count:,} valid events of {real_bench.EVENT_SIZE} bytes, median of 5 rounds")
    for name, rate in found.items():
        print(f"  {name:48s} {rate:12,.0f} msg/s  {rate / base:5.2f}x")


if __name__ == "__main__":
    main()
