"""The official-schema check result is kept by document content: an unchanged document is
checked once, its findings are located anew, a changed one is checked again; the plugin keeps
it in pytest's cache directory and writes nothing with ``-p no:cacheprovider``."""

from __future__ import annotations

import shutil
from typing import Any

import pytest

from pytest_asyncapi.spec import official_schema
from pytest_asyncapi.spec.loader import load_spec
from pytest_asyncapi.spec.options import LoadOptions
from tests.support.spec_checks import FIXTURES


class DictCache:
    """The two methods of pytest's ``config.cache`` that the check uses, over a dict."""

    def __init__(self) -> None:
        self.values: dict[str, Any] = {}

    def get(self, key: str, default: Any) -> Any:
        return self.values.get(key, default)

    def set(self, key: str, value: Any) -> None:
        self.values[key] = value


def findings(path: Any, cache: DictCache) -> list[tuple[str, str, int | None]]:
    spec = load_spec(path, LoadOptions(check_cache=cache))
    return [(f.pointer, f.message, f.line) for f in spec.findings if f.rule == "official-schema"]


def test_an_unchanged_document_is_checked_once(
    tmp_path: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "doc.yaml"
    shutil.copy(FIXTURES / "bad-action.yaml", path)
    cache = DictCache()
    first = findings(path, cache)
    assert first, "the fixture breaks the official schema"
    assert len(cache.values) == 1
    [key] = cache.values
    assert key.startswith("asyncapi/official-schema/")

    def not_again(document: Any, version: str) -> set[tuple[str, str]]:
        raise AssertionError("checked again although the content did not change")

    monkeypatch.setattr(official_schema, "_problems", not_again)
    assert findings(path, cache) == first
    # a comment line on top moves every finding one line down: lines are located anew
    path.write_text("# a comment\n" + path.read_text())
    assert findings(path, cache) == [(p, m, line + 1 if line else line) for p, m, line in first]


def test_a_changed_document_is_checked_again(tmp_path: Any) -> None:
    path = tmp_path / "doc.yaml"
    shutil.copy(FIXTURES / "bad-action.yaml", path)
    cache = DictCache()
    broken = findings(path, cache)
    shutil.copy(FIXTURES / "resolved-valid-v3.yaml", path)
    assert findings(path, cache) == []
    assert len(cache.values) == 2
    assert broken


def test_a_cache_entry_of_another_form_is_ignored(tmp_path: Any) -> None:
    path = tmp_path / "doc.yaml"
    shutil.copy(FIXTURES / "bad-action.yaml", path)
    cache = DictCache()
    expected = findings(path, cache)
    [key] = cache.values
    cache.values[key] = {"not": "a list of pairs"}
    assert findings(path, cache) == expected
    assert isinstance(cache.values[key], list)


def test_the_plugin_keeps_the_result_in_pytest_cache_dir(pytester: pytest.Pytester) -> None:
    shutil.copy(FIXTURES / "resolved-valid-v3.yaml", pytester.path / "spec.yaml")
    pytester.makepyfile("def test_one():\n    pass\n")
    args = ("--co", "-q", "--asyncapi", "spec.yaml", "--asyncapi-protocol", "nats")
    result = pytester.runpytest_subprocess(*args, "-p", "no:cacheprovider")
    assert result.ret == 0
    assert not (pytester.path / ".pytest_cache").exists()
    result = pytester.runpytest_subprocess(*args)
    assert result.ret == 0
    entries = list((pytester.path / ".pytest_cache/v/asyncapi/official-schema").iterdir())
    assert len(entries) == 1
    assert entries[0].read_text().strip() == "[]"
