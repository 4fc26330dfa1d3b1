"""Shared test settings.

testcontainers reads its settings from the environment when it is first imported, so they are
set here, before any test imports it: no Ryuk reaper (its image cannot be pulled without a
registry) and containers reached on 127.0.0.1 (this machine runs inside a container).
Values already in the environment win.
"""

from __future__ import annotations

import os

for _name, _value in {
    "TESTCONTAINERS_RYUK_DISABLED": "true",
    "TESTCONTAINERS_CONNECTION_MODE": "docker_host",
    "TESTCONTAINERS_HOST_OVERRIDE": "127.0.0.1",
}.items():
    os.environ.setdefault(_name, _value)
