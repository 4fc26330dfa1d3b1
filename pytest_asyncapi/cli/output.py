"""Exit codes and output helpers shared by every subcommand (kept apart from ``main`` so
subcommands never import the entry point).

Exit codes (stable, documented in the README):
  0 valid · 1 findings / invalid messages · 2 usage error or unreadable input ·
  3 nothing invalid, but something could not be checked (unsupported schema format or content
  type; for check-traffic/record also messages on undeclared destinations).
"""

from __future__ import annotations

import json
from typing import Any

EXIT_OK = 0
EXIT_FINDINGS = 1
EXIT_USAGE = 2
EXIT_UNCHECKED = 3


class UsageProblem(Exception):
    """A problem with what the user asked for (exit code 2)."""


def emit_json(data: Any) -> None:
    """Write ``data`` as indented JSON to standard output."""
    print(json.dumps(data, indent=2, default=str))
