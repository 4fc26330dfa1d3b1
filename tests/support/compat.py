"""Shared helpers for the compatibility tests: fixture paths and a CLI runner."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from pytest_asyncapi.cli import main as cli

FIXTURES = Path(__file__).resolve().parents[1] / "compat" / "fixtures"
ROOT = Path(__file__).resolve().parents[2]


def run_cli(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    """Run a compat subcommand through the real CLI entry point."""
    code = cli.main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def run_json(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, Any]:
    code, out, _ = run_cli(capsys, *argv, "--json")
    return code, json.loads(out)
