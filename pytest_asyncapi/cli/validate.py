"""``asyncapi-contract validate``: document checks for one or more files."""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING, Any

from pytest_asyncapi.cli.output import EXIT_FINDINGS, EXIT_OK, EXIT_USAGE, emit_json
from pytest_asyncapi.errors import SpecError
from pytest_asyncapi.spec.loader import load_spec

if TYPE_CHECKING:
    from pathlib import Path

    from pytest_asyncapi.spec.model import Finding
    from pytest_asyncapi.spec.options import LoadOptions


def run_validate(paths: list[Path], options: LoadOptions, *, strict: bool, as_json: bool) -> int:
    """Check every document; the exit code is the worst outcome over all of them."""
    reports: list[dict[str, Any]] = []
    worst = EXIT_OK
    for path in paths:
        try:
            spec = load_spec(path, options)
        except SpecError as error:
            reports.append({"path": str(path), "valid": False, "error": error.render()})
            if not as_json:
                print(f"ERROR {error.render()}", file=sys.stderr)
            worst = max(worst, EXIT_USAGE)
            continue
        failing = [f for f in spec.findings if strict or f.severity == "error"]
        if failing:
            worst = max(worst, EXIT_FINDINGS)
        reports.append(
            {
                "path": str(path),
                "asyncapi": spec.asyncapi_version,
                "valid": not failing,
                "findings": [_finding_json(f) for f in spec.findings],
            }
        )
        if not as_json:
            _print_document(path, spec.asyncapi_version, spec.findings, failing)
    if as_json:
        emit_json({"strict": strict, "documents": reports, "exit_code": worst})
    return worst


def _print_document(
    path: Path, version: str, findings: tuple[Finding, ...], failing: list[Finding]
) -> None:
    status = "INVALID" if failing else "OK"
    extra = f", {len(findings)} finding(s)" if findings else ""
    print(f"{status} {path} (AsyncAPI {version}{extra})")
    for finding in findings:
        print(f"  {finding.render()}")


def _finding_json(finding: Finding) -> dict[str, Any]:
    return {
        "rule": finding.rule,
        "severity": finding.severity,
        "message": finding.message,
        "file": finding.file,
        "line": finding.line,
        "pointer": finding.pointer,
    }
