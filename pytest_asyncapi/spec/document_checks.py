"""Document checks: the official AsyncAPI schema plus semantic rules, as findings.

``official_findings`` works on the resolved JSON document, ``semantic_findings`` on the
model; both locate each finding through a ``locate(pointer) -> (file, line)`` callback.
"""

from __future__ import annotations

from pytest_asyncapi.spec.official_schema import (
    SUPPORTED_VERSIONS,
    Locate,
    official_findings,
    official_schema,
    schema_version,
)
from pytest_asyncapi.spec.semantic_rules import semantic_findings

__all__ = [
    "SUPPORTED_VERSIONS",
    "Locate",
    "official_findings",
    "official_schema",
    "schema_version",
    "semantic_findings",
]
