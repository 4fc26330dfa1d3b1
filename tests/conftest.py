"""Shared test settings.

testcontainers reads its settings from the environment when it is first imported, so they are
set here, before any test imports it: no Ryuk reaper (its image cannot be pulled without a
registry) and containers reached on 127.0.0.1 (this machine runs inside a container).
Values already in the environment win.
"""

from __future__ import annotations

import os
import shutil

import pytest

# Import the plugin's heavy modules here, in the outer process: pytester's in-process runs drop
# the modules an inner run imported, and libyaml's C parser cannot be re-initialised with the
# re-imported event classes. Modules already imported before a run are kept.
import pytest_asyncapi.brokers.containers
import pytest_asyncapi.brokers.nats.capture
import pytest_asyncapi.brokers.provision
import pytest_asyncapi.plugin.fixtures
import pytest_asyncapi.plugin.session  # noqa: F401
from tests.support.plugin_runs import PUBLISHER, SAMPLES

for _name, _value in {
    "TESTCONTAINERS_RYUK_DISABLED": "true",
    "TESTCONTAINERS_CONNECTION_MODE": "docker_host",
    "TESTCONTAINERS_HOST_OVERRIDE": "127.0.0.1",
}.items():
    os.environ.setdefault(_name, _value)


@pytest.fixture
def contract_pytester(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> pytest.Pytester:
    """A pytester with the sample specs copied in and a publishing helper module."""
    for name in (
        "user-signup-3.0.yaml",
        "user-signup-2.6.yaml",
        "streetlights-params.yaml",
        "telemetry-avro.yaml",
    ):
        shutil.copy(SAMPLES / name, pytester.path / name)
    pytester.makepyfile(publisher=PUBLISHER)
    pytester.makeini(
        "[pytest]\nasyncio_mode = strict\nasyncio_default_fixture_loop_scope = function\n"
    )
    monkeypatch.delenv("NATS_URL", raising=False)
    monkeypatch.delenv("ASYNCAPI_BROKER", raising=False)
    return pytester
