"""Shared helpers for the codegen tests: generate packages, import them, lint and type-check."""

from __future__ import annotations

import importlib
import subprocess
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

from hypothesis import HealthCheck, given, settings

from pytest_asyncapi.codegen.package import generate_package, write_package
from pytest_asyncapi.schemas.compile import Verdict, compile_schema

if TYPE_CHECKING:
    from types import ModuleType

    from hypothesis.strategies import SearchStrategy

    from pytest_asyncapi.spec.model import SchemaSpec, Spec

ROOT = Path(__file__).resolve().parents[2]
SAMPLES = ROOT / "sample_specs"
FIXTURES = Path(__file__).resolve().parents[1] / "codegen" / "fixtures"
VENV_BIN = Path(sys.executable).parent
INSTANCES = 200


def generate_into(spec: Spec, package: str, out: Path) -> None:
    write_package(generate_package(spec, package, out), out)


def import_package(out: Path, package: str, module: str) -> ModuleType:
    if str(out) not in sys.path:
        sys.path.insert(0, str(out))
    return importlib.import_module(f"{package}.{module}")


def lint_and_type_check(out: Path, packages: list[str]) -> None:
    """ruff (the project's rules) and mypy --strict over generated packages; fail with output."""
    ruff = subprocess.run(
        [VENV_BIN / "ruff", "check", "--no-cache", "--config", ROOT / "pyproject.toml", *packages],
        cwd=out,
        capture_output=True,
        text=True,
        check=False,
    )
    assert ruff.returncode == 0, ruff.stdout + ruff.stderr
    formatted = subprocess.run(
        [VENV_BIN / "ruff", "format", "--check", "--no-cache", "--isolated", "--line-length",
         "100", *packages],
        cwd=out,
        capture_output=True,
        text=True,
        check=False,
    )  # fmt: skip
    assert formatted.returncode == 0, formatted.stdout + formatted.stderr
    config = out / "mypy.ini"  # the plugin itself is checked by the project's own mypy run
    config.write_text("[mypy]\nstrict = True\n[mypy-pytest_asyncapi.*]\nfollow_imports = silent\n")
    mypy = subprocess.run(
        [VENV_BIN / "mypy", "--config-file", config, "--no-incremental", "--cache-dir",
         "/dev/null", *(f"--package={p}" for p in packages)],
        cwd=out,
        capture_output=True,
        text=True,
        check=False,
        env={"MYPYPATH": str(ROOT), "PATH": str(VENV_BIN)},
    )  # fmt: skip
    assert mypy.returncode == 0, mypy.stdout + mypy.stderr


def assert_valid(schema: SchemaSpec, value: Any, what: str) -> None:
    result = compile_schema(schema).check(value)
    assert result.verdict is Verdict.VALID, f"{what}: {value!r} -> {result.violations}"


def check_instances(
    strategy: SearchStrategy[Any], schema: SchemaSpec, what: str, count: int = INSTANCES
) -> int:
    """``count`` instances drawn from ``strategy`` dump to values ``schema`` accepts."""
    seen: list[int] = []

    @settings(
        max_examples=count,
        database=None,
        derandomize=True,
        deadline=None,
        suppress_health_check=list(HealthCheck),
    )
    @given(strategy)
    def each(instance: Any) -> None:
        assert_valid(schema, instance.model_dump(mode="json"), what)
        seen.append(1)

    each()
    return len(seen)
