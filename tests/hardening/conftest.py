"""Hardening tests: hostile documents and messages.

Registers the ``slow`` marker (tests that take tens of seconds; ``.ci/run`` runs them, and
``-m "not slow"`` leaves them out locally) until pyproject.toml declares it.
"""

from __future__ import annotations

import pytest


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "slow: takes tens of seconds (a 50 MB document)")
