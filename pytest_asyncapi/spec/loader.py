"""Load a document: read, resolve ``$ref``s, adapt its version, run the document checks."""

from __future__ import annotations

import dataclasses
from pathlib import Path

from pytest_asyncapi import collector
from pytest_asyncapi.errors import SpecError, UnsupportedVersionError
from pytest_asyncapi.spec import v2, v3
from pytest_asyncapi.spec.building import Context, mapping, text
from pytest_asyncapi.spec.document_checks import (
    SUPPORTED_VERSIONS,
    official_findings,
    semantic_findings,
)
from pytest_asyncapi.spec.model import Finding, Spec
from pytest_asyncapi.spec.options import LoadOptions
from pytest_asyncapi.spec.refs import Resolved, acyclic, resolve_document
from pytest_asyncapi.spec.reply_rules import reply_findings


class DocumentInvalidError(SpecError):
    """Strict loading found problems; ``findings`` lists every one."""

    def __init__(self, file: Path, findings: tuple[Finding, ...]) -> None:
        self.findings = findings
        lines = "\n".join("  " + f.render() for f in findings)
        super().__init__(
            f"{len(findings)} problem(s) in the document:\n{lines}",
            file=file,
            hint="fix the document, or load it in lenient mode to treat these as warnings",
        )


def shown(path: Path) -> Path:
    """``path`` relative to the working directory when inside it (shorter reports)."""
    try:
        return path.relative_to(Path.cwd())
    except ValueError:
        return path


def load_spec(
    path: str | Path, options: LoadOptions | None = None, *, strict: bool = False
) -> Spec:
    """Load ``path`` into a :class:`Spec` whose ``findings`` hold the document checks' results.

    Raise :class:`SpecError` when the document cannot be read at all, and, with ``strict``,
    :class:`DocumentInvalidError` when any check finds a problem.
    """
    options = options or LoadOptions()
    path = Path(path)
    with collector.long_lived():
        resolved = resolve_document(path, options, lenient=True)
        spec = build_spec(path, resolved, options)
    if strict and spec.findings:
        raise DocumentInvalidError(path, spec.findings)
    return spec


def build_spec(path: Path, resolved: Resolved, options: LoadOptions) -> Spec:
    """The model of an already resolved document, with its findings."""
    document = resolved.root
    version = _version(path, document, resolved)
    # First: it bounds the depth of the resolved document for every later step.
    # Refs may repeat shared parts (a channel in each operation), but not fan out without end.
    plain = acyclic(
        document,
        resolved.origins,
        max_nodes=max(1_000_000, 4 * resolved.containers),
        max_depth=options.max_depth,
        file=resolved.name,
    )
    info = mapping(document.get("info"))
    ctx = Context(
        asyncapi_version=version,
        default_content_type=text(document.get("defaultContentType")),
        origins=resolved.origins,
        unresolved=resolved.unresolved,
    )
    if ctx.major == 2:
        servers, channels, operations = v2.build(document, ctx, options.client_view)
    else:
        servers, channels, operations = v3.build(document, ctx)
    spec = Spec(
        source=path,
        asyncapi_version=version,
        title=text(info.get("title")) or path.name,
        version=str(info.get("version", "")),
        default_content_type=ctx.default_content_type,
        servers=servers,
        channels=channels,
        operations=operations,
        document=document,
    )
    # one finding per broken reference, at its own pointer, though several paths lead to it
    dangling: dict[tuple[str, int, str], str] = {}
    for pointer, error in sorted(
        resolved.dangling, key=lambda d: (resolved.locate(d[0])[1] != d[1].line, d[0])
    ):
        dangling.setdefault((error.file or "", error.line or 0, error.problem), pointer)
    findings = [
        _dangling_finding(pointer, file, line, problem)
        for (file, line, problem), pointer in sorted(dangling.items())
    ]
    findings += official_findings(plain, version, resolved.locate, options.check_cache)
    findings += semantic_findings(spec, resolved.locate)
    findings += reply_findings(spec, resolved.locate)
    return dataclasses.replace(spec, findings=tuple(findings))


def _dangling_finding(pointer: str, file: str, line: int, problem: str) -> Finding:
    return Finding(
        "dangling-ref",
        f"{problem}; what depends on it is reported unchecked",
        file=file,
        pointer=pointer,
        line=line or None,
    )


def _version(path: Path, document: dict[str, object], resolved: Resolved) -> str:
    raw = document.get("asyncapi")
    if raw is None:
        file, line = resolved.locate("")
        raise SpecError(
            "no `asyncapi` field: this is not an AsyncAPI document",
            file=file,
            line=line,
            hint="add `asyncapi: 3.0.0` (or the 2.x version it is written in) at the top",
        )
    version = str(raw)
    if version not in SUPPORTED_VERSIONS:
        raise UnsupportedVersionError(
            f"unsupported AsyncAPI version {version!r}",
            file=resolved.name,
            line=resolved.locate("/asyncapi")[1],
            pointer="/asyncapi",
            hint="supported versions: " + ", ".join(SUPPORTED_VERSIONS),
        )
    return version
