"""``diff`` and ``verify`` results as self-contained HTML pages (``--html PATH``).

Changes and expectations are grouped by channel and message, breaking / broken first; a diff
change shows the old and the new schema excerpt side by side, and the counterexample value
when there is one. Same page shell and CSP as the contract report.
"""

from __future__ import annotations

import json
from html import escape
from typing import TYPE_CHECKING, Any

from pytest_asyncapi.compat.diff import Classification
from pytest_asyncapi.compat.subschema import Answer
from pytest_asyncapi.compat.verify import Status
from pytest_asyncapi.reporting.html import page

if TYPE_CHECKING:
    from pytest_asyncapi.compat.diff import Change, DiffReport
    from pytest_asyncapi.compat.verify import Expectation, VerifyReport

_CSS = """
.change,.expectation{border:1px solid #d0d7de;border-left:6px solid #afb8c1;padding:8px 12px;
margin:0 0 10px}
.change.breaking,.expectation.broken{border-left-color:#cf222e}
.change.needs-review,.expectation.needs-review{border-left-color:#d4a72c}
.change.non-breaking,.expectation.ok{border-left-color:#2da44e}
.sides{display:grid;grid-template-columns:1fr 1fr;gap:8px}
.sides>div{min-width:0}
@media (max-width:600px){.sides{grid-template-columns:1fr}}
.grade{font-weight:bold;text-transform:uppercase;font-size:12px}
"""
_ORDER = {
    Classification.BREAKING: 0,
    Classification.NEEDS_REVIEW: 1,
    Classification.NON_BREAKING: 2,
}
_STATUS_ORDER = {Status.BROKEN: 0, Status.NEEDS_REVIEW: 1, Status.OK: 2}


def _e(value: object) -> str:
    return escape(str(value), quote=True)


def _json(value: Any) -> str:
    if value is None:
        return "(absent)"
    return json.dumps(value, indent=2, ensure_ascii=False, default=str)[:4000]


def _slug(text: str) -> str:
    return text.replace(" ", "-")


def _group(where: str) -> tuple[str, str]:
    """``channel X > message Y > payload`` -> (``channel X``, ``message Y``)."""
    parts = [p.strip() for p in where.split(">")]
    channel = next((p for p in parts if p.startswith("channel ")), parts[0])
    message = next((p for p in parts if p.startswith("message ")), "")
    return channel, message


def diff_html(report: DiffReport) -> str:
    """The page for a ``diff`` result."""
    counts = ", ".join(f"{report.count(c)} {c.value}" for c in Classification)
    groups: dict[tuple[str, str], list[Change]] = {}
    for change in sorted(report.changes, key=lambda c: _ORDER[c.classification]):
        groups.setdefault(_group(change.where), []).append(change)
    body = [
        f"<h1>API diff</h1><p><code>{_e(report.old)}</code> → <code>{_e(report.new)}</code>"
        f" (mode {_e(report.mode.value)})</p>",
        f'<p class="verdict {"fail" if report.count(Classification.BREAKING) else "pass"}" '
        f'id="verdict">{_e(counts)}</p>',
    ]
    if not report.changes:
        body.append('<p class="note">No changes.</p>')
    for (channel, message), changes in groups.items():
        title = channel + (f" · {message}" if message else "")
        body.append(f"<section><h2>{_e(title)}</h2>")
        body += [_change(c) for c in changes]
        body.append("</section>")
    return page("API diff", "".join(body), _CSS)


def _change(change: Change) -> str:
    grade = change.classification.value
    where = change.where + (f" {change.path}" if change.path else "")
    counter = (
        f"<figure><figcaption>Counterexample value</figcaption><pre>"
        f"{_e(_json(change.counterexample))}</pre></figure>"
        if change.has_counterexample
        else ""
    )
    return (
        f'<article class="change {_slug(grade)}" data-classification="{_e(grade)}">'
        f'<p><span class="grade">{_e(grade)}</span> <b>{_e(change.kind)}</b> '
        f"<code>{_e(where)}</code></p>"
        f"<p>{_e(change.why)} (at <code>{_e(change.pointer)}</code>)</p>"
        '<div class="sides">'
        f"<div><figure><figcaption>Old</figcaption><pre>{_e(_json(change.old))}</pre></figure></div>"
        f"<div><figure><figcaption>New</figcaption><pre>{_e(_json(change.new))}</pre></figure></div>"
        f"</div>{counter}</article>"
    )


def verify_html(report: VerifyReport) -> str:
    """The page for a ``verify`` result."""
    counts = ", ".join(
        f"{sum(e.status is s for e in report.expectations)} {s.value}" for s in Status
    )
    groups: dict[str, list[Expectation]] = {}
    for expectation in sorted(report.expectations, key=lambda e: _STATUS_ORDER[e.status]):
        groups.setdefault(expectation.destination or expectation.channel, []).append(expectation)
    body = [
        f"<h1>Consumer vs provider</h1><p>consumer <code>{_e(report.consumer)}</code>, provider "
        f"<code>{_e(report.provider)}</code></p>",
        f'<p class="verdict {"pass" if report.status is Status.OK else "fail"}" id="verdict">'
        f"{_e(counts)}</p>",
    ]
    for where, expectations in groups.items():
        body.append(f"<section><h2>{_e(where)}</h2>")
        body += [_expectation(e) for e in expectations]
        body.append("</section>")
    if report.notes:
        body.append("<section><h2>Notes</h2><ul>")
        body += [f"<li>{_e(n)}</li>" for n in report.notes]
        body.append("</ul></section>")
    return page("Consumer vs provider", "".join(body), _CSS)


def _expectation(expectation: Expectation) -> str:
    status = expectation.status.value
    parts = []
    for part in expectation.parts:
        found = part.comparison
        if found.answer is Answer.YES:
            continue
        counter = (
            f"<figure><figcaption>Counterexample {_e(part.part)}: the provider may send it, "
            f"the consumer rejects it</figcaption><pre>{_e(_json(found.counterexample))}</pre>"
            "</figure>"
            if found.has_counterexample
            else ""
        )
        parts.append(
            f"<p>{_e(part.part)} at <code>{_e(found.pointer or '/')}</code>: "
            f"{_e(found.reason)}</p>{counter}"
        )
    return (
        f'<article class="expectation {_slug(status)}" data-status="{_e(status)}">'
        f'<p><span class="grade">{_e(status)}</span> <b>{_e(expectation.message)}</b></p>'
        f"<p>{_e(expectation.reason)}</p>{''.join(parts)}</article>"
    )
