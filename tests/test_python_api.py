"""The plain Python API: the README's example runs, and importing the package stays light."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

import pytest_asyncapi

ROOT = Path(__file__).resolve().parents[1]


def test_readme_example(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(ROOT)
    from pytest_asyncapi import Verdict, check_message, load_spec

    spec = load_spec("sample_specs/user-signup-3.0.yaml")
    message = spec.channel("userSignedUp").message("UserSignedUp")
    result = check_message(message, b'{"userId": "nope"}', headers={})
    assert result.verdict is Verdict.INVALID
    problems = {(part, v.pointer, v.keyword) for part, v in result.violations()}
    assert ("payload", "/userId", "format") in problems
    assert ("payload", "", "required") in problems
    assert ("headers", "", "required") in problems


def test_every_exported_name_resolves_and_unknown_names_fail() -> None:
    for name in pytest_asyncapi.__all__:
        assert getattr(pytest_asyncapi, name) is not None
    with pytest.raises(AttributeError, match="no attribute 'nope'"):
        pytest_asyncapi.nope  # noqa: B018


def test_importing_the_package_imports_nothing_heavy() -> None:
    code = (
        "import sys, pytest_asyncapi, pytest_asyncapi.plugin.hooks\n"
        "heavy = [m for m in ('yaml', 'jsonschema', 'jsonschema_rs', 'orjson',"
        " 'pytest_asyncapi.spec.loader') if m in sys.modules]\n"
        "print(heavy)\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "[]"
