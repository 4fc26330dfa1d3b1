"""Makes the ``telemetry_service`` package importable when pytest collects this folder, and
gives the tests (and pytest-asyncapi) a schema registry.

pytest-asyncapi fetches the writer schema of every framed reading by its id from the registry
named by ``--asyncapi-schema-registry`` (or the Kafka server binding's ``schemaRegistryUrl``).
Without that option, this conftest starts the small registry of ``local_registry.py`` before
the plugin reads its settings, and sets the option to it: the service registers its schema
there and the plugin reads it back. With the option, both use the registry you name.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

HERE = str(Path(__file__).resolve().parent)
if HERE not in sys.path:
    sys.path.insert(0, HERE)

from local_registry import LocalRegistry  # noqa: E402  (needs the path above)

LOCAL = pytest.StashKey[LocalRegistry]()


@pytest.hookimpl(tryfirst=True)  # before pytest-asyncapi reads --asyncapi-schema-registry
def pytest_configure(config: pytest.Config) -> None:
    if config.getoption("asyncapi_schema_registry") or config.getini("asyncapi_schema_registry"):
        return
    registry = LocalRegistry()
    config.option.asyncapi_schema_registry = registry.start()
    config.stash[LOCAL] = registry


def pytest_unconfigure(config: pytest.Config) -> None:
    registry = config.stash.get(LOCAL, None)
    if registry is not None:
        registry.stop()
