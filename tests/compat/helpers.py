"""Shared helpers for the compatibility tests: fixture paths and a CLI runner."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

import pytest

from pytest_asyncapi import cli, cli_compat

FIXTURES = Path(__file__).resolve().parent / "fixtures"
ROOT = Path(__file__).resolve().parents[2]
CORPUS = ROOT / ".." / "shared" / "corpus"


def parser() -> argparse.ArgumentParser:
    built = argparse.ArgumentParser(prog="asyncapi-contract")
    commands = built.add_subparsers(dest="command", required=True)
    cli_compat.add_subcommands(commands)
    return built


def run_cli(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    """Run a compat subcommand as ``cli.main`` will: usage problems and bad documents exit 2."""
    args = parser().parse_args(argv)
    try:
        code = cli_compat.run(args, cli._load_options(args))
    except (cli.UsageProblem, cli.SpecError) as problem:
        cli._fail(str(problem), args, sys.stderr)
        code = cli.EXIT_USAGE
    out, err = capsys.readouterr()
    return code, out, err


def run_json(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, Any]:
    code, out, _ = run_cli(capsys, *argv, "--json")
    return code, json.loads(out)
