"""The contract report as Markdown: a CI job summary (GitHub's ``GITHUB_STEP_SUMMARY``), a
pull-request comment, GitLab or Buildkite annotations.

Every string from the report is escaped for CommonMark and GitHub tables (pipes, backticks,
HTML, emphasis, links), so names and payload excerpts cannot inject markup. Starts from the
document of :func:`pytest_asyncapi.reporting.report.build_report`; knows nothing of pytest.
"""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Any

FIRST_VIOLATIONS = 20
"""Violations listed in full; the rest are counted (the JSON and HTML reports have them)."""
_MARKUP = frozenset("\\`*_[]<|&~$@")
"""Characters that can start markup anywhere in a line (emphasis, code, links, HTML, entities,
tables, strikethrough, math, e-mail autolinks); the rest is literal mid-line."""


def md(text: object) -> str:
    """``text`` as inert Markdown on one line: markup characters escaped, and the ``://`` /
    ``www.`` of would-be autolinks broken, so names and payloads cannot inject markup."""
    flat = " ".join(str(text).split())
    out = "".join("\\" + c if c in _MARKUP else c for c in flat)
    return out.replace("://", "\\://").replace("www.", "www\\.")


def code(text: object) -> str:
    """``text`` as a CommonMark code span: one line, fenced by more backticks than it holds,
    pipes escaped (GitHub tables split cells on them even inside code)."""
    flat = " ".join(str(text).split()).replace("|", "\\|")
    runs = [len(r) for r in re.findall(r"`+", flat)]
    fence = "`" * (max(runs, default=0) + 1)
    pad = " " if flat.startswith("`") or flat.endswith("`") or not flat else ""
    return f"{fence}{pad}{flat}{pad}{fence}"


def _row(cells: list[str]) -> str:
    return "| " + " | ".join(cells) + " |"


def _percent(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.1f}".rstrip("0").rstrip(".") + "%"


def render_markdown(report: dict[str, Any]) -> str:
    """The summary: verdict, coverage, gate, channels, consumers, the first violations."""
    totals, coverage, gate = report["totals"], report["coverage"], report["gate"]
    failed = bool(gate.get("failed")) or totals["violations"] > 0
    if totals["violations"]:
        verdict = f"✘ contract broken: {totals['violations']} violation(s)"
        if totals["failing_tests"]:
            verdict += f" in {totals['failing_tests']} test(s)"
        if totals["stray_violations"]:
            verdict += f", {totals['stray_violations']} between tests"
    elif failed:
        verdict = "✘ contract gate failed"
    else:
        verdict = "✔ no contract violations"
    sent, received = coverage["sent"], coverage["received"]
    lines = [
        f"## AsyncAPI contract: {verdict}",
        "",
        f"**Coverage:** {md(_percent(coverage['percent']))} of sent messages seen "
        f"({sent['seen']}/{sent['total']}) · received messages driven by tests: "
        f"{received['driven']}/{received['total']} · {totals['tests']} test(s), "
        f"{totals['messages']} message(s) captured, {totals['undeclared']} undeclared",
        "",
    ]
    if gate.get("reasons"):
        lines += ["**Gate failed:**", ""] + [f"- {md(r)}" for r in gate["reasons"]] + [""]
    lines += _channels(report)
    lines += _violations(report)
    return "\n".join(lines).rstrip() + "\n"


def _channels(report: dict[str, Any]) -> list[str]:
    head = ["Spec", "Channel", "Seen", "Valid", "Invalid", "Unchecked"]
    rows = []
    for spec in report["specs"]:
        rows += [_channel_row(md(spec["title"]), c) for c in spec["channels"]]
    for consumer in report.get("consumers", []):
        rows += [_channel_row(f"consumer {md(consumer['name'])}", c) for c in consumer["channels"]]
    if not rows:
        return []
    return [
        "### Channels",
        "",
        _row(head),
        "|---|---|--:|--:|--:|--:|",
        *rows,
        "",
    ]


def _channel_row(owner: str, channel: dict[str, Any]) -> str:
    name = md(channel["id"])
    if channel["address"] is not None and channel["address"] != channel["id"]:
        name += f" ({md(channel['address'])})"
    mark = " ✘" if channel["invalid"] else ""
    counts = [str(channel[k]) for k in ("seen", "valid", "invalid", "unchecked")]
    return _row([owner, name + mark, *counts])


def _violations(report: dict[str, Any]) -> list[str]:
    violations = report["violations"]
    if not violations:
        return []
    lines = [
        f"### First violations ({min(len(violations), FIRST_VIOLATIONS)} of "
        f"{report['totals']['violations']})",
        "",
        _row(["Test", "Where", "Rule", "Value"]),
        "|---|---|---|---|",
    ]
    for v in violations[:FIRST_VIOLATIONS]:
        owner = f"{md(v['consumer'])}'s contract · " if v.get("consumer") else ""
        where = (
            f"{owner}{md(v['channel'])} · {md(v['message'] or '(no message matched)')} · "
            f"{md(v['part'])} {md(v['pointer'] or '/')} on {md(v['destination'])}"
        )
        rule = f"{md(v['keyword'])}: {md(v['text'])}"
        lines.append(_row([md(v["test"]), where, rule, md(v["value_excerpt"])]))
    more = report["totals"]["violations"] - min(len(violations), FIRST_VIOLATIONS)
    if more > 0:
        lines += ["", f"… and {more} more in the JSON / HTML report."]
    return [*lines, ""]


def append_job_summary(markdown: str) -> Path | None:
    """Append ``markdown`` to ``$GITHUB_STEP_SUMMARY`` when GitHub Actions sets it."""
    target = os.environ.get("GITHUB_STEP_SUMMARY")
    if not target:
        return None
    path = Path(target)
    with path.open("a", encoding="utf-8") as out:
        out.write(markdown + "\n")
    return path
