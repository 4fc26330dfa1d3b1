"""Markdown for ``diff`` and ``verify`` reports (JSON comes from their ``as_dict``)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from pytest_asyncapi.compat.diff import Classification, describe
from pytest_asyncapi.compat.subschema import Answer
from pytest_asyncapi.compat.verify import Status
from pytest_asyncapi.reporting.markdown import code, md
from pytest_asyncapi.schemas.jsonvalues import short

if TYPE_CHECKING:
    from pytest_asyncapi.compat.diff import Change, DiffReport
    from pytest_asyncapi.compat.verify import Expectation, VerifyReport


def diff_markdown(report: DiffReport) -> str:
    lines = [
        f"# API diff: {md(report.old)} -> {md(report.new)}",
        "",
        f"Mode: {report.mode.value}. "
        + ", ".join(f"{report.count(c)} {c.value}" for c in Classification)
        + ".",
    ]
    if not report.changes:
        lines += ["", "No changes."]
    for grade in Classification:
        listed = [c for c in report.changes if c.classification is grade]
        if listed:
            lines += ["", f"## {grade.value.capitalize()} ({len(listed)})", ""]
            lines += [_change(c) for c in listed]
    return "\n".join(lines) + "\n"


def _change(change: Change) -> str:
    where = md(change.where) + (f" {code(change.path)}" if change.path else "")
    text = (
        f"- **{md(change.kind)}** {where}: {code(describe(change.old))} -> "
        f"{code(describe(change.new))} — {md(change.why)} (at {code(change.pointer)})"
    )
    if change.has_counterexample:
        text += f"\n  - counterexample: {code(short(change.counterexample, 200))}"
    return text


def verify_markdown(report: VerifyReport) -> str:
    counts = {s: sum(e.status is s for e in report.expectations) for s in Status}
    lines = [
        f"# Consumer {md(report.consumer)} vs provider {md(report.provider)}",
        "",
        ", ".join(f"{n} {s.value}" for s, n in counts.items()) + ".",
        "",
    ]
    lines += [_expectation(e) for e in report.expectations]
    if not report.expectations:
        lines.append("The consumer declares no message it receives.")
    if report.notes:
        lines += ["", "Notes:"] + [f"- {md(n)}" for n in report.notes]
    return "\n".join(lines) + "\n"


def _expectation(expectation: Expectation) -> str:
    label = {Status.OK: "OK", Status.BROKEN: "BROKEN", Status.NEEDS_REVIEW: "NEEDS REVIEW"}
    head = (
        f"- **{label[expectation.status]}** {md(expectation.message)} on "
        f"{md(expectation.destination or expectation.channel)}: {md(expectation.reason)}"
    )
    lines = [head]
    for part in expectation.parts:
        found = part.comparison
        if found.answer is Answer.YES:
            continue
        at = f" at {code(found.pointer or '/')}"
        lines.append(f"  - {part.part}{at}: {md(found.reason)}")
        if found.has_counterexample:
            lines.append(
                f"  - counterexample {part.part}: {code(short(found.counterexample, 200))} "
                f"({md(found.rejection)})"
            )
        elif found.note:
            lines.append(f"  - {md(found.note)}")
    return "\n".join(lines)
