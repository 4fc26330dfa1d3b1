"""Avro decode + check through the contract path vs fastavro's bare ``schemaless_reader``.

Run: python benchmarks/bench_avro.py [--count N] [--repeat R]

Both sides decode the same Confluent-framed ``SensorReading`` record (the payload of
``sample_specs/telemetry-avro.yaml``, written by fastavro) in the same run, interleaved.
Ours is ``check_payload`` (framing from the Kafka binding, decode, every byte used, the
verdict; the goal row) and ``check_message`` (plus the message-level verdict object every
format pays); the baseline strips the 5-byte frame and calls ``schemaless_reader``, and checks
nothing.
"""

from __future__ import annotations

import argparse
import dataclasses
import io
import statistics
import time
from pathlib import Path

import fastavro

from pytest_asyncapi.check.message_check import check_message, check_payload
from pytest_asyncapi.schemas.compile import Verdict
from pytest_asyncapi.spec.loader import load_spec

ROOT = Path(__file__).resolve().parents[1]
VALUE = {
    "sensorId": "sensor-042",
    "recordedAt": 1717245000000,
    "temperature": 21.5,
    "humidity": 48.2,
    "status": "OK",
}


def setup() -> tuple[object, list[bytes], dict[str, object]]:
    spec = load_spec(ROOT / "sample_specs" / "telemetry-avro.yaml")
    message = spec.channel("telemetry.readings").messages[0]
    kafka = {**message.bindings.get("kafka", {}), "schemaIdLocation": "payload"}
    framed = dataclasses.replace(message, bindings={**message.bindings, "kafka": kafka})
    assert message.payload is not None
    parsed = fastavro.parse_schema(dict(message.payload.schema))
    out = io.BytesIO()
    fastavro.schemaless_writer(out, parsed, VALUE)
    records = [b"\x00\x00\x00\x00\x01" + out.getvalue()]
    return framed, records, parsed


def ours(message: object, data: bytes, count: int) -> float:
    start = time.perf_counter()
    for _ in range(count):
        if check_payload(message, data).verdict is not Verdict.VALID:  # type: ignore[arg-type]
            raise AssertionError("the benchmark record must be valid")
    return count / (time.perf_counter() - start)


def ours_message(message: object, data: bytes, count: int) -> float:
    start = time.perf_counter()
    for _ in range(count):
        if check_message(message, data).verdict is not Verdict.VALID:  # type: ignore[arg-type]
            raise AssertionError("the benchmark record must be valid")
    return count / (time.perf_counter() - start)


def bare(parsed: dict[str, object], data: bytes, count: int) -> float:
    reader = fastavro.schemaless_reader
    start = time.perf_counter()
    for _ in range(count):
        reader(io.BytesIO(data[5:]), parsed, None)
    return count / (time.perf_counter() - start)


def measure(count: int, repeat: int) -> tuple[float, float, float]:
    """(check_payload, check_message, baseline) in records/s, medians of interleaved runs."""
    message, records, parsed = setup()
    data = records[0]
    ours(message, data, 1000)  # warm the validator cache
    mine, whole, base = [], [], []
    for _ in range(repeat):
        base.append(bare(parsed, data, count))
        mine.append(ours(message, data, count))
        whole.append(ours_message(message, data, count))
    return statistics.median(mine), statistics.median(whole), statistics.median(base)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--count", type=int, default=50_000)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    mine, whole, base = measure(args.count, args.repeat)
    print(f"fastavro schemaless_reader (bare):   {base:,.0f} rec/s")
    print(
        f"Avro decode + check (check_payload): {mine:,.0f} rec/s  {mine / base:.2f}x (goal >= 0.8x)"
    )
    print(f"whole message (check_message):       {whole:,.0f} rec/s  {whole / base:.2f}x")


if __name__ == "__main__":
    main()
