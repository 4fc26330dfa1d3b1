"""Inline SVG pictures for the HTML report, each with its text equivalent.

Pictures are plain SVG markup (the page's CSP allows no script and no external asset); every
one has a ``<title>`` and ``<desc>`` (read by screen readers through ``role="img"``) and a
table with the same numbers beside it, inside ``<details>``. Pure functions of the report.
"""

from __future__ import annotations

from html import escape
from typing import Any

COLOURS = {
    "valid": "#2da44e",
    "invalid": "#cf222e",
    "unchecked": "#d4a72c",
    "between": "#8250df",
    "undeclared": "#0969da",
    "empty": "#d0d7de",
}
_WIDTH = 640


def _e(value: object) -> str:
    return escape(str(value), quote=True)


def _svg(ident: str, title: str, desc: str, height: int, body: str) -> str:
    return (
        f'<svg class="picture" id="{_e(ident)}" role="img" '
        f'aria-labelledby="{_e(ident)}-title {_e(ident)}-desc" viewBox="0 0 {_WIDTH} {height}" '
        f'width="{_WIDTH}" height="{height}" preserveAspectRatio="xMinYMin meet" '
        'xmlns="http://www.w3.org/2000/svg">'
        f'<title id="{_e(ident)}-title">{_e(title)}</title>'
        f'<desc id="{_e(ident)}-desc">{_e(desc)}</desc>{body}</svg>'
    )


def _text_table(ident: str, head: list[str], rows: list[list[object]]) -> str:
    header = "".join(f'<th scope="col">{_e(h)}</th>' for h in head)
    lines = "".join("<tr>" + "".join(f"<td>{_e(c)}</td>" for c in row) + "</tr>" for row in rows)
    return (
        f'<details class="text-equivalent" id="{_e(ident)}-text"><summary>The numbers as a '
        f'table</summary><div class="scroll"><table><thead><tr>{header}</tr></thead>'
        f"<tbody>{lines}</tbody></table></div></details>"
    )


def spec_coverage(report: dict[str, Any]) -> str:
    """One bar per spec: the share of the messages it sends that were seen."""
    rows = []
    for spec in report["specs"]:
        sent = [m for c in spec["channels"] for m in c["messages"] if m["sent_by_application"]]
        seen = sum(m["covered"] for m in sent)
        rows.append((spec["title"], seen, len(sent)))
    if not rows:
        return ""
    bar_x, bar_w, line = 220, 340, 30
    parts = []
    for index, (title, seen, total) in enumerate(rows):
        y = 10 + index * line
        share = seen / total if total else 0.0
        label = f"{share * 100:.0f}% ({seen}/{total})" if total else "no sent messages"
        parts.append(
            f'<text x="0" y="{y + 15}" font-size="13">{_e(title[:30])}</text>'
            f'<rect x="{bar_x}" y="{y}" width="{bar_w}" height="20" fill="{COLOURS["empty"]}"/>'
            f'<rect x="{bar_x}" y="{y}" width="{bar_w * share:.1f}" height="20" '
            f'fill="{COLOURS["valid"]}"><title>{_e(title)}: {_e(label)}</title></rect>'
            f'<text x="{bar_x + bar_w + 8}" y="{y + 15}" font-size="13">{_e(label)}</text>'
        )
    desc = "; ".join(f"{t}: {s} of {n} sent messages seen" for t, s, n in rows)
    svg = _svg("coverage-bars", "Coverage per spec", desc, 20 + len(rows) * line, "".join(parts))
    table = _text_table(
        "coverage-bars", ["Spec", "Sent messages seen", "Sent messages"], [list(r) for r in rows]
    )
    return _figure(
        "Coverage per spec: the share of the messages each spec sends that were seen", svg + table
    )


def _figure(caption: str, body: str) -> str:
    return f'<figure class="chart">{body}<figcaption>{_e(caption)}</figcaption></figure>'


def _kind(window: dict[str, Any]) -> str:
    if window["violations"]:
        return "invalid"
    if window["between"]:
        return "between"
    if window["unchecked"]:
        return "unchecked"
    if window["undeclared"]:
        return "undeclared"
    return "valid" if window["messages"] else "empty"


def timeline(report: dict[str, Any]) -> str:
    """One mark per test window, in run order, coloured by verdict, as tall as its messages."""
    windows = report.get("windows") or []
    if not windows:
        return ""
    top = max(w["messages"] for w in windows) or 1
    step = _WIDTH / len(windows)
    marks = []
    for index, w in enumerate(windows):
        height = 8 + 72 * (w["messages"] / top)
        kind = _kind(w)
        tip = (
            f"{w['label']}: {w['messages']} message(s), {w['violations']} violation(s), "
            f"{w['unchecked']} unchecked"
        )
        marks.append(
            f'<rect class="mark {kind}" x="{index * step:.2f}" y="{90 - height:.1f}" '
            f'width="{max(step - 1, 0.5):.2f}" height="{height:.1f}" fill="{COLOURS[kind]}">'
            f"<title>{_e(tip)}</title></rect>"
        )
    bad = sum(1 for w in windows if w["violations"])
    between = sum(1 for w in windows if w["between"])
    desc = f"{len(windows)} windows in run order; {bad} with violations; {between} between tests"
    legend = "".join(
        f'<rect x="{i * 125}" y="100" width="12" height="12" fill="{COLOURS[k]}"/>'
        f'<text x="{i * 125 + 16}" y="111" font-size="12">{_e(name)}</text>'
        for i, (k, name) in enumerate(
            [
                ("valid", "all valid"),
                ("invalid", "violations"),
                ("unchecked", "unchecked"),
                ("between", "between tests"),
                ("undeclared", "undeclared"),
            ]
        )
    )
    svg = _svg("timeline", "Timeline of the run", desc, 116, "".join(marks) + legend)
    rows: list[list[object]] = [
        [i + 1, w["label"], w["messages"], w["violations"], w["unchecked"], w["undeclared"]]
        for i, w in enumerate(windows)
    ]
    table = _text_table(
        "timeline", ["#", "Window", "Messages", "Violations", "Unchecked", "Undeclared"], rows
    )
    note = " (the first windows only)" if report.get("windows_truncated") else ""
    caption = (
        "Timeline: one mark per test window in run order, coloured by verdict, "
        f"as tall as its message count{note}"
    )
    return _figure(caption, svg + table)


def channel_bars(spec: dict[str, Any], ident: str) -> str:
    """Per channel, the messages seen split into valid / invalid / unchecked."""
    channels = spec["channels"]
    if not channels:
        return ""
    top = max(c["seen"] for c in channels) or 1
    bar_x, bar_w, line = 220, 340, 26
    parts = []
    for index, c in enumerate(channels):
        y = 6 + index * line
        x = float(bar_x)
        parts.append(f'<text x="0" y="{y + 14}" font-size="13">{_e(c["id"][:30])}</text>')
        for kind in ("valid", "invalid", "unchecked"):
            width = bar_w * c[kind] / top
            if width:
                parts.append(
                    f'<rect class="{kind}" x="{x:.1f}" y="{y}" width="{width:.1f}" height="18" '
                    f'fill="{COLOURS[kind]}"><title>{_e(c["id"])}: {c[kind]} {kind}</title></rect>'
                )
            x += width
        parts.append(
            f'<text x="{bar_x + bar_w + 8}" y="{y + 14}" font-size="13">seen {c["seen"]}</text>'
        )
    desc = "; ".join(
        f"{c['id']}: seen {c['seen']}, valid {c['valid']}, invalid {c['invalid']}, "
        f"unchecked {c['unchecked']}"
        for c in channels
    )
    svg = _svg(
        ident,
        f"Messages per channel of {spec['title']}",
        desc,
        12 + len(channels) * line,
        "".join(parts),
    )
    rows: list[list[object]] = [
        [c["id"], c["seen"], c["valid"], c["invalid"], c["unchecked"]] for c in channels
    ]
    table = _text_table(ident, ["Channel", "Seen", "Valid", "Invalid", "Unchecked"], rows)
    return _figure("Messages per channel: valid, invalid and unchecked (stacked)", svg + table)
