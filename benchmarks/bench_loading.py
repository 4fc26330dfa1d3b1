"""Time to load and check every sample spec (and the shared corpus when present).

Run: python benchmarks/bench_loading.py [--rounds N]
Prints per-document median load+check time, and the share spent in the official-schema check
(measured against a load of the same document with that check switched off, in the same run).
"""

from __future__ import annotations

import argparse
import statistics
import time
from pathlib import Path
from unittest import mock

from pytest_asyncapi.spec import loader
from pytest_asyncapi.spec.options import LoadOptions

ROOT = Path(__file__).resolve().parents[1]
SAMPLES = [
    *sorted((ROOT / "sample_specs").glob("*.yaml")),
    ROOT / "sample_specs/split/asyncapi.yaml",
]


def median_ms(path: Path, rounds: int, options: LoadOptions) -> float:
    times = []
    for _ in range(rounds):
        start = time.perf_counter()
        loader.load_spec(path, options)
        times.append(time.perf_counter() - start)
    return statistics.median(times) * 1000


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=15)
    rounds = parser.parse_args().rounds
    options = LoadOptions()
    print(f"{'document':<40} {'load+check ms':>14} {'no official ms':>15}")
    total = total_bare = 0.0
    for path in SAMPLES:
        full = median_ms(path, rounds, options)
        with mock.patch.object(loader, "official_findings", return_value=[]):
            bare = median_ms(path, rounds, options)
        total += full
        total_bare += bare
        print(f"{path.relative_to(ROOT)!s:<40} {full:>14.2f} {bare:>15.2f}")
    print(f"{'all sample specs':<40} {total:>14.2f} {total_bare:>15.2f}")


if __name__ == "__main__":
    main()
