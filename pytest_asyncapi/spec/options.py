"""How a document is loaded: reference policy, limits and the 2.x direction."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from collections.abc import Mapping
    from pathlib import Path


@dataclass(frozen=True)
class LoadOptions:
    """Options for :func:`pytest_asyncapi.spec.load_spec`.

    - ``allow_url_refs``: fetch ``http(s)://`` ``$ref`` targets (refused by default).
    - ``url_map``: URL prefix -> local folder, to follow URL refs offline.
    - ``allow_outside_root``: follow file refs that leave ``root`` (default: the spec's folder).
    - ``client_view``: the 2.x document is written from the client's side, so ``publish``
      means the application *sends* (the flip of the 2.x rule).
    - ``max_bytes`` / ``max_depth`` / ``max_aliases``: bounds on every file read.
    """

    allow_url_refs: bool = False
    url_map: Mapping[str, Path] = field(default_factory=dict)
    allow_outside_root: bool = False
    root: Path | None = None
    client_view: bool = False
    max_bytes: int = 20 * 1024 * 1024
    max_depth: int = 200
    max_aliases: int = 1000
    url_timeout: float = 10.0
