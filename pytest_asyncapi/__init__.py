"""pytest-asyncapi: contract testing for event-driven services against AsyncAPI documents.

The plain Python API (the pytest plugin and the ``asyncapi-contract`` CLI use the same core)::

    from pytest_asyncapi import load_spec, check_message

    spec = load_spec("sample_specs/user-signup-3.0.yaml")
    message = spec.channel("userSignedUp").message("UserSignedUp")
    result = check_message(message, b'{"userId": "nope"}', headers={})
    result.verdict            # Verdict.INVALID
    result.violations()       # [(part, SchemaViolation(pointer, keyword, message, ...)), ...]

Names are imported on first use, so importing the package (as pytest does for the plugin)
costs nothing.
"""

from __future__ import annotations

import importlib
from typing import Any

_EXPORTS = {
    "load_spec": "pytest_asyncapi.spec.loader",
    "LoadOptions": "pytest_asyncapi.spec.options",
    "Spec": "pytest_asyncapi.spec.model",
    "check_message": "pytest_asyncapi.check.message_check",
    "compile_schema": "pytest_asyncapi.schemas.compile",
    "Verdict": "pytest_asyncapi.schemas.compile",
    "SpecError": "pytest_asyncapi.errors",
    "BrokerError": "pytest_asyncapi.errors",
}

__all__ = sorted(_EXPORTS)


def __getattr__(name: str) -> Any:
    if name not in _EXPORTS:
        raise AttributeError(f"module 'pytest_asyncapi' has no attribute {name!r}")
    return getattr(importlib.import_module(_EXPORTS[name]), name)
