"""Loading pauses the cyclic garbage collector (each of its passes would walk every container
the loader keeps alive, so load time would grow faster than the document) and restores it;
what it keeps then joins the oldest generation without a walk, and is still collectable."""

from __future__ import annotations

import gc
import weakref
from pathlib import Path

import pytest

from pytest_asyncapi import collector
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


def _in_generation(generation: int, target: object) -> bool:
    return any(o is target for o in gc.get_objects(generation=generation))


def test_a_loaded_model_is_in_the_oldest_generation_at_once() -> None:
    spec = loader.load_spec(SPEC)
    assert _in_generation(2, spec.channels)
    assert not _in_generation(0, spec.channels)


def test_what_a_long_lived_block_keeps_joins_the_oldest_generation() -> None:
    with collector.long_lived():
        kept = [[i] for i in range(3)]
    assert _in_generation(2, kept)
    assert gc.isenabled()


class _Node:
    partner: _Node


def test_a_cycle_dropped_after_a_long_lived_block_is_still_collected() -> None:
    with collector.long_lived():
        node = _Node()
        node.partner = node
    gone = weakref.ref(node)
    del node
    assert gone() is not None  # a cycle: reference counting alone cannot free it
    gc.collect()
    assert gone() is None


def test_objects_someone_else_froze_stay_frozen() -> None:
    # The freeze count is no witness: a frozen object another thread frees leaves the
    # permanent generation. A kept object frozen before the block must stay out of the
    # collector's generations (gc.get_objects lists none that are frozen).
    kept = [[0]]
    gc.freeze()
    try:
        with collector.long_lived():
            pass
        assert gc.get_freeze_count() > 0
        assert not any(o is kept for o in gc.get_objects())
    finally:
        gc.unfreeze()
