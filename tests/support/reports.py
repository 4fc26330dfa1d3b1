"""Reading a run's JSON report, validated against the published schema."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import jsonschema

from pytest_asyncapi.reporting.report import SCHEMA_PATH


def load_report(path: Path) -> dict[str, Any]:
    report = json.loads(path.read_text())
    jsonschema.Draft7Validator(json.loads(SCHEMA_PATH.read_text())).validate(report)
    return report
