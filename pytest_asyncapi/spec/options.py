"""How a document is loaded: reference policy, limits and the 2.x direction."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from collections.abc import Mapping, Sequence

    from pytest_asyncapi.spec.official_schema import CheckCache

VCS_MARKERS = (".git", ".hg", ".svn")


@dataclass(frozen=True)
class LoadOptions:
    """Options for :func:`pytest_asyncapi.spec.load_spec`.

    - ``allow_url_refs``: fetch ``http(s)://`` ``$ref`` targets (refused by default).
    - ``url_map``: URL prefix -> local folder, to follow URL refs offline.
    - ``root``: file refs may go anywhere under this folder; when ``None``, the project root
      of the document (see :func:`project_root`).
    - ``project_roots``: folders that count as project roots when ``root`` is ``None`` (the
      pytest rootdir); the current directory and the VCS checkout always count.
    - ``allow_outside_root``: follow file refs that leave the root.
    - ``client_view``: the 2.x document is written from the client's side, so ``publish``
      means the application *sends* (the flip of the 2.x rule).
    - ``max_bytes`` / ``max_depth`` / ``max_aliases``: bounds on every file read.
    - ``check_cache``: keeps official-schema check results by document content between runs
      (the plugin passes pytest's ``config.cache``).
    """

    allow_url_refs: bool = False
    url_map: Mapping[str, Path] = field(default_factory=dict)
    allow_outside_root: bool = False
    root: Path | None = None
    project_roots: tuple[Path, ...] = ()
    client_view: bool = False
    max_bytes: int = 20 * 1024 * 1024
    max_depth: int = 200
    max_aliases: int = 1000
    url_timeout: float = 10.0
    check_cache: CheckCache | None = field(default=None, compare=False, repr=False)


def project_root(document: Path, extra: Sequence[Path] = ()) -> Path:
    """The folder under which ``document``'s file refs may go, by default.

    The highest of: the VCS checkout holding the document (a folder with ``.git``, ``.hg`` or
    ``.svn``), the current directory, and ``extra`` (the pytest rootdir) — among those that
    hold the document; the document's own folder when none does.
    """
    folder = document.resolve().parent
    candidates = [Path.cwd().resolve(), *(p.resolve() for p in extra)]
    candidates += [
        p for p in (folder, *folder.parents) if any((p / m).exists() for m in VCS_MARKERS)
    ]
    holding = [c for c in candidates if folder.is_relative_to(c)]
    return min(holding, key=lambda c: len(c.parts)) if holding else folder
