"""Where the real-world corpus lives: ``$ASYNCAPI_CORPUS``, else ``../shared/corpus`` next to
the checkout (or next to the folder of worktrees). Tests that read it skip with a reason when
it is absent."""

from __future__ import annotations

import os
from pathlib import Path

_ROOT = Path(__file__).resolve().parents[2]
_NEXT_TO = next(
    (
        p
        for p in (_ROOT.parent / "shared" / "corpus", _ROOT.parents[1] / "shared" / "corpus")
        if p.is_dir()
    ),
    _ROOT.parent / "shared" / "corpus",
)
CORPUS = Path(os.environ.get("ASYNCAPI_CORPUS") or _NEXT_TO)
