"""Loading pauses the cyclic garbage collector (each of its passes would walk every container
the loader keeps alive, so load time would grow faster than the document) and restores it."""

from __future__ import annotations

import gc
from pathlib import Path

import pytest

from pytest_asyncapi.errors import SpecError
from pytest_asyncapi.spec import loader

SPEC = Path(__file__).resolve().parents[2] / "sample_specs" / "user-signup-3.0.yaml"


def test_the_collector_is_paused_while_loading_and_restored(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    seen: list[bool] = []
    build = loader.build_spec
    monkeypatch.setattr(
        loader, "build_spec", lambda *a, **k: seen.append(gc.isenabled()) or build(*a, **k)
    )
    assert gc.isenabled()
    loader.load_spec(SPEC)
    assert seen == [False]
    assert gc.isenabled()


def test_a_failed_load_restores_the_collector(tmp_path: Path) -> None:
    broken = tmp_path / "broken.yaml"
    broken.write_text("asyncapi: 3.0.0\ninfo: [\n")
    with pytest.raises(SpecError):
        loader.load_spec(broken)
    assert gc.isenabled()
