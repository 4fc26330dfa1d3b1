"""Time to load and check every sample spec (and the shared corpus when present).

Run: python benchmarks/bench_loading.py [--rounds N]
Prints per-document median load+check time, and the share spent in the official-schema check
(measured against a load of the same document with that check switched off, in the same run).
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import statistics
import time
from pathlib import Path
from typing import Any
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


def channels_document(channels: int) -> str:
    """A 3.0 document with ``channels`` channels, each with a parameter, one message (payload
    and headers through shared component schemas) and one send operation, as YAML."""
    import yaml

    document: dict[str, object] = {
        "asyncapi": "3.0.0",
        "info": {"title": f"{channels} channels", "version": "1.0.0"},
        "servers": {"local": {"host": "localhost:4222", "protocol": "nats"}},
        "defaultContentType": "application/json",
        "channels": {
            f"ch{i}": {
                "address": f"svc.area{i}.{{itemId}}",
                "parameters": {"itemId": {"$ref": "#/components/parameters/itemId"}},
                "messages": {f"Event{i}": {"$ref": f"#/components/messages/Event{i}"}},
            }
            for i in range(channels)
        },
        "operations": {
            f"send{i}": {
                "action": "send",
                "channel": {"$ref": f"#/channels/ch{i}"},
                "messages": [{"$ref": f"#/channels/ch{i}/messages/Event{i}"}],
            }
            for i in range(channels)
        },
        "components": {
            "parameters": {"itemId": {"description": "the item"}},
            "schemas": {
                "Envelope": {
                    "type": "object",
                    "required": ["eventId", "occurredAt"],
                    "properties": {
                        "eventId": {"type": "string", "format": "uuid"},
                        "occurredAt": {"type": "string", "format": "date-time"},
                    },
                },
                "Headers": {
                    "type": "object",
                    "properties": {"x-correlation-id": {"type": "string"}},
                },
            },
            "messages": {
                f"Event{i}": {
                    "name": f"Event{i}",
                    "headers": {"$ref": "#/components/schemas/Headers"},
                    "payload": {
                        "allOf": [
                            {"$ref": "#/components/schemas/Envelope"},
                            {
                                "type": "object",
                                "properties": {
                                    "value": {"type": "integer", "minimum": 0},
                                    "label": {"type": "string", "maxLength": 40},
                                },
                            },
                        ]
                    },
                }
                for i in range(channels)
            },
        },
    }
    return yaml.safe_dump(document, sort_keys=False)


class DirectoryCache:
    """What the plugin uses of pytest's ``config.cache``: one JSON file per key, in ``folder``."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder

    def get(self, key: str, default: Any) -> Any:
        try:
            return json.loads((self.folder / key).read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return default

    def set(self, key: str, value: Any) -> None:
        path = self.folder / key
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(value), encoding="utf-8")


def warm_document(channels: int, folder: Path, options: LoadOptions) -> tuple[Path, LoadOptions]:
    """A ``channels``-channel document in ``folder``, loaded once so that the next load is warm
    as a second pytest run finds it: imports done, official schema compiled, and the official
    check's result in the check cache (a cache directory like pytest's, unless ``options``
    name one). Returns the document and the options to load it with."""
    path = folder / f"channels_{channels}.yaml"
    path.write_text(channels_document(channels))
    if options.check_cache is None:
        options = dataclasses.replace(options, check_cache=DirectoryCache(folder / "cache"))
    loader.load_spec(path, options)
    return path, options


def parse_ms(channels: int, rounds: int, folder: Path) -> float:
    """Median time to parse the ``channels``-channel document's YAML alone (libyaml)."""
    import yaml

    text = channels_document(channels)
    loader_class = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    times = []
    for _ in range(rounds):
        start = time.perf_counter()
        yaml.load(text, Loader=loader_class)
        times.append(time.perf_counter() - start)
    return statistics.median(times) * 1000


if __name__ == "__main__":
    main()
