"""The benchmarks stay runnable: every module imports and builds its inputs (the runs themselves
take minutes and live in ``benchmarks/run_all.py``, not in the test suite)."""

from __future__ import annotations

import importlib
import sys
from pathlib import Path

import pytest
import yaml

from pytest_asyncapi.spec.loader import load_spec
from pytest_asyncapi.spec.options import LoadOptions

BENCHMARKS = Path(__file__).resolve().parents[1] / "benchmarks"


@pytest.fixture(autouse=True)
def importable(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.syspath_prepend(str(BENCHMARKS))


@pytest.mark.parametrize("name", sorted(p.stem for p in BENCHMARKS.glob("*.py")))
def test_every_benchmark_module_imports(name: str) -> None:
    importlib.import_module(name)
    sys.modules.pop(name, None)


def test_the_real_path_document_is_a_valid_contract_for_every_protocol(tmp_path: Path) -> None:
    real_path = importlib.import_module("bench_real_path")
    for protocol in real_path.PUBLISH:
        document = real_path.SPEC.format(
            protocol=protocol, address="bench.events", partitions=3, exchange=real_path.EXCHANGE
        )
        path = tmp_path / f"{protocol}.yaml"
        path.write_text(document)
        assert not load_spec(path, LoadOptions()).findings, protocol


def test_the_batching_and_loading_inputs_build() -> None:
    assert importlib.import_module("bench_batching").event_schema()["type"] == "object"
    document = yaml.safe_load(importlib.import_module("bench_loading").channels_document(3))
    assert len(document["channels"]) == 3
