"""Where the real-world corpus lives: ``$ASYNCAPI_CORPUS``, else ``../shared/corpus`` next to
the checkout. Tests that read it skip with a reason when it is absent."""

from __future__ import annotations

import os
from pathlib import Path

CORPUS = Path(
    os.environ.get("ASYNCAPI_CORPUS")
    or Path(__file__).resolve().parents[2] / ".." / "shared" / "corpus"
)
