"""The contract report as one self-contained HTML page.

Inline CSS, no script and no external asset (a Content-Security-Policy says so to the browser);
every string taken from the report is escaped — payload and schema excerpts are user data.
Starts from the document of :func:`pytest_asyncapi.reporting.report.build_report`; knows
nothing of pytest.
"""

from __future__ import annotations

from collections import Counter
from html import escape
from typing import TYPE_CHECKING, Any, NamedTuple

from pytest_asyncapi.reporting.pictures import channel_bars, spec_coverage, timeline

if TYPE_CHECKING:
    from collections.abc import Sequence
    from pathlib import Path

STATUSES: dict[str, tuple[str, str, str]] = {
    "covered": ("✔", "covered", "seen (send) or driven by a test (receive), no violation"),
    "violations": ("✘", "violations", "seen, and at least one violation of the contract"),
    "unchecked": ("?", "unchecked", "seen, but content type or schema format not checkable"),
    "not-seen": ("○", "not seen", "no test made the application send it / drove it in"),
    "na": ("—", "n/a", "not applicable, the channel does not declare this message"),
}
"""Matrix cell status -> (symbol, label, legend text)."""

_CSS = """
body{font:15px/1.45 "DejaVu Sans",Arial,sans-serif;margin:24px;color:#1f2328;background:#fff}
h1{font-size:26px;margin:0 0 8px}
h2{font-size:21px;margin:32px 0 10px;border-bottom:2px solid #d0d7de}
h3{font-size:17px;margin:22px 0 8px}h4{font-size:15px;margin:0 0 6px}
code,pre{font-family:"DejaVu Sans Mono",monospace;font-size:13px}
pre{background:#f6f8fa;border:1px solid #d0d7de;padding:6px 8px;margin:2px 0 8px;
white-space:pre-wrap;overflow-wrap:anywhere}
table{border-collapse:collapse;margin:6px 0 12px}
th,td{border:1px solid #afb8c1;padding:5px 9px;text-align:left;vertical-align:top}
thead th{background:#eaeef2}caption{text-align:left;font-weight:bold;padding:4px 0}
.scroll{overflow-x:auto}.matrix thead th,.matrix tbody th{max-width:24em}
.matrix code{overflow-wrap:anywhere}.num{text-align:right}
.verdict{font-size:17px;font-weight:bold;padding:8px 12px;border-left:6px solid;
display:inline-block}
.verdict.fail{background:#ffebe9;border-color:#cf222e;color:#82071e}
.verdict.pass{background:#dafbe1;border-color:#1a7f37;color:#0f5323}
.figure{font-size:34px;font-weight:bold;margin:0}
.summary{display:flex;flex-wrap:wrap;gap:24px;align-items:flex-start;margin:14px 0}
.box{min-width:0;max-width:100%}.box h2{margin:0 0 4px;border:0}.box p{margin:2px 0}
dl.facts{display:grid;grid-template-columns:max-content auto;gap:2px 14px;margin:8px 0}
dl.facts dt{font-weight:bold}dl.facts dd{margin:0}
.cell{min-width:120px}.cell .label{font-weight:bold}
.detail{display:block;font-size:13px;font-weight:normal}
.covered{background:#dafbe1;color:#0f5323}
.violations{background:#ffcecb;color:#82071e}
.unchecked{background:#fff1b8;color:#6b4400}
.not-seen{background:#e6e9ed;color:#24292f}
.na{background:repeating-linear-gradient(45deg,#fff,#fff 6px,#f3f4f6 6px,#f3f4f6 12px);
color:#57606a}
.legend{list-style:none;padding:0;display:flex;flex-wrap:wrap;gap:8px}
.legend li{padding:4px 9px;border:1px solid #afb8c1}
.violation{border:1px solid #d0d7de;border-left:6px solid #cf222e;padding:10px 12px;margin:0 0 12px}
.violation .text{font-weight:bold;margin:4px 0 8px}
figure{margin:6px 0}figcaption{font-size:13px;color:#57606a}
.note{color:#57606a}
main{max-width:1400px}section{min-width:0}
h1,h2,h3,h4,p,li,dd,dt,figcaption,summary,caption{overflow-wrap:anywhere}
td code,th code,dd{overflow-wrap:anywhere}dl.facts dd{min-width:0}
.scroll{max-width:100%}
svg.picture{max-width:100%;height:auto;display:block}
figure.chart{border:1px solid #d0d7de;padding:10px 12px;margin:10px 0;max-width:100%}
details.text-equivalent summary{cursor:pointer;font-size:13px;color:#0969da}
@media (max-width:600px){body{margin:10px}h1{font-size:21px}.figure{font-size:26px}
dl.facts{grid-template-columns:1fr}}
"""


def write_html(report: dict[str, Any], path: Path) -> None:
    """Write the page for ``report`` to ``path`` (folders created), UTF-8."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(render_html(report), encoding="utf-8")


def render_html(report: dict[str, Any]) -> str:
    """The page for ``report`` (a document shaped like ``report.schema.json``)."""
    title = "AsyncAPI contract report"
    specs = [*report["specs"], *report.get("consumers", [])]
    body = "".join(
        [
            _header(report),
            _pictures(report),
            _legend() if any(s["channels"] for s in specs) else "",
            *(_spec(spec, report, i) for i, spec in enumerate(report["specs"])),
            *(
                _spec(c, report, len(report["specs"]) + i, consumer=c["name"])
                for i, c in enumerate(report.get("consumers", []))
            ),
            _violations(report),
            _undeclared(report["undeclared"]),
            _between_tests(report["between_tests"]),
            _unchecked(report["unchecked"]),
        ]
    )
    return page(title, body)


def page(title: str, body: str, css: str = "") -> str:
    """A self-contained page: ``body`` is HTML already; no script may run (CSP)."""
    return (
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
        '<meta http-equiv="Content-Security-Policy" '
        "content=\"default-src 'none'; style-src 'unsafe-inline'\">"
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{_e(title)}</title><style>{_CSS}{css}</style></head>"
        f"<body><main>{body}</main></body></html>\n"
    )


def _e(value: object) -> str:
    return escape(str(value), quote=True)


def _el(tag: str, body: str = "", **attrs: str) -> str:
    """``<tag attrs>body</tag>``; ``body`` is HTML already, attribute values are escaped."""
    text = "".join(f' {name.rstrip("_").replace("_", "-")}="{_e(v)}"' for name, v in attrs.items())
    return f"<{tag}{text}>{body}</{tag}>"


class _Td(NamedTuple):
    """A table cell with attributes (a plain ``str`` cell has none)."""

    body: str
    attrs: dict[str, str]


def _table(
    head: Sequence[str], rows: Sequence[Sequence[str | _Td]], caption: str = "", **attrs: str
) -> str:
    """A table: ``head`` and cells are HTML; each row's first cell is its header."""
    thead = _el("thead", _el("tr", "".join(_el("th", h, scope="col") for h in head)))
    lines = [
        _el("tr", "".join(_cell_html(c, "th" if i == 0 else "td") for i, c in enumerate(row)))
        for row in rows
    ]
    title = _el("caption", _e(caption)) if caption else ""
    return _scroll(_el("table", title + thead + _el("tbody", "".join(lines)), **attrs))


def _scroll(table: str) -> str:
    """A wide table scrolls inside its own box; the page never does."""
    return _el("div", table, class_="scroll")


def _cell_html(cell: str | _Td, tag: str) -> str:
    if isinstance(cell, _Td):
        return _el(tag, cell.body, **cell.attrs)
    return _el(tag, cell, scope="row") if tag == "th" else _el(tag, cell)


def _code(value: object) -> str:
    return _el("code", _e(value))


def _percent(value: float | None) -> str:
    if value is None:
        return "n/a"
    return f"{value:.1f}".rstrip("0").rstrip(".") + "%"


def _header(report: dict[str, Any]) -> str:
    totals, coverage = report["totals"], report["coverage"]
    if totals["violations"]:
        text = f"Contract broken: {totals['violations']} violation(s)"
        if totals["failing_tests"]:
            text += f" in {totals['failing_tests']} test(s)"
        if totals["stray_violations"]:
            text += f", {totals['stray_violations']} between tests"
        verdict = _el("p", _e(text), class_="verdict fail", id="verdict")
    else:
        verdict = _el("p", "No contract violations", class_="verdict pass", id="verdict")
    tool = report["tool"]
    facts = [
        ("Tool", f"{tool['name']} {tool['version']}"),
        ("Generated at", report["generated_at"]),
        ("Report format", report["version"]),
        ("Specs", ", ".join(s["path"] for s in report["specs"]) or "none"),
        *(
            ("Broker", line.removeprefix("broker: "))
            for line in report["broker"] or ["not recorded"]
        ),
    ]
    sent, received = coverage["sent"], coverage["received"]
    figure = _el(
        "section",
        _el("h2", "Coverage", id="coverage-heading")
        + _el("p", _e(_percent(coverage["percent"])), class_="figure", id="coverage-percent")
        + _el("p", _e(f"of sent messages seen ({sent['seen']}/{sent['total']})"))
        + _el(
            "p", _e(f"received messages driven by tests: {received['driven']}/{received['total']}")
        )
        + "".join(_el("p", _e(line)) for line in _expectations(report)),
        aria_labelledby="coverage-heading",
        class_="box",
    )
    counts = {
        "Tests": totals["tests"],
        "Messages captured": totals["messages"],
        "Violations": totals["violations"],
        "Failing tests": totals["failing_tests"],
        "Undeclared messages": totals["undeclared"],
        "Violations between tests": totals["stray_violations"],
    }
    table = _scroll(
        _el(
            "table",
            _el("caption", "Totals")
            + _el("thead", _el("tr", "".join(_el("th", _e(k), scope="col") for k in counts)))
            + _el(
                "tbody", _el("tr", "".join(_el("td", _e(n), class_="num") for n in counts.values()))
            ),
            id="totals",
        )
    )
    return _el(
        "header",
        _el("h1", "AsyncAPI contract report")
        + verdict
        + _el("div", figure + _el("div", table, class_="box"), class_="summary")
        + _el("dl", "".join(_el("dt", _e(k)) + _el("dd", _e(v)) for k, v in facts), class_="facts"),
    )


def _pictures(report: dict[str, Any]) -> str:
    """Coverage per spec and the run's timeline, each with its text equivalent."""
    body = spec_coverage(report) + timeline(report)
    if not body:
        return ""
    return _el("section", _el("h2", "At a glance", id="pictures") + body, class_="pictures")


def _expectations(report: dict[str, Any]) -> list[str]:
    """Per consumer: how many of the messages it expects were seen."""
    lines = []
    for consumer in report.get("consumers", []):
        expected = consumer["expectations"]
        seen = sum(e["seen"] > 0 for e in expected)
        lines.append(f"consumer {consumer['name']}: {seen}/{len(expected)} expected messages seen")
    return lines


def _spec(
    spec: dict[str, Any], report: dict[str, Any], index: int, consumer: str | None = None
) -> str:
    """A provider spec, or a consumer's document (``--asyncapi-consumer``): its matrix."""
    kind = "Spec" if consumer is None else f"Consumer {consumer}"
    heading = f"{kind}: {spec['title']} {spec['version']}"
    where = f"{spec['path']} · AsyncAPI {spec['asyncapi']}"
    return _el(
        "section",
        _el("h2", _e(heading))
        + _el("p", _code(where))
        + channel_bars(spec, f"channel-bars-{index}")
        + _matrix(spec, report, consumer)
        + _operations(spec["operations"]),
        class_="spec" if consumer is None else "spec consumer",
    )


def _matrix(spec: dict[str, Any], report: dict[str, Any], consumer: str | None) -> str:
    """Channels by messages; messages become the rows when there are more of them (no page
    ten screens wide for one channel carrying forty messages)."""
    channels = spec["channels"]
    if not channels:
        return _el("p", "This spec declares no channels.", class_="note")
    names = list(dict.fromkeys(m["name"] for c in channels for m in c["messages"]))
    path = spec["path"]
    violations = Counter(
        (v.get("consumer"), v["spec"], v["channel"], v["message"]) for v in report["violations"]
    )
    unchecked = Counter((u["spec"], u["channel"], u["message"]) for u in report["unchecked"])
    cells = {
        (channel["id"], name): _cell(
            channel["id"],
            name,
            next((m for m in channel["messages"] if m["name"] == name), None),
            violations[(consumer, path, channel["id"], name)],
            unchecked[(path, channel["id"], name)],
            consumer=consumer is not None,
        )
        for channel in channels
        for name in names
    }
    by_channel = [(c["id"], _channel_label(c)) for c in channels]
    by_message = [(name, _e(name)) for name in names]
    rows: list[list[str | _Td]]
    if len(names) > len(channels):
        caption, corner = "messages (rows) by channels (columns)", "Message"
        rows = [[label, *(cells[(c, n)] for c, _ in by_channel)] for n, label in by_message]
        columns = [_e(corner), *(label for _, label in by_channel)]
    else:
        caption, corner = "channels (rows) by messages (columns)", "Channel"
        rows = [[label, *(cells[(c, n)] for n, _ in by_message)] for c, label in by_channel]
        columns = [_e(corner), *(label for _, label in by_message)]
    caption = f"Coverage matrix: {caption}"
    if report["violations_truncated"]:
        caption += " (violation cells from the violations kept in detail)"
    return _table(columns, rows, caption, class_="matrix")


def _channel_label(channel: dict[str, Any]) -> str:
    """A channel's id, address and counts, as a matrix header."""
    address = channel["address"]
    counts = " · ".join(f"{k} {channel[k]}" for k in ("seen", "valid", "invalid", "unchecked"))
    return (
        _e(channel["id"])
        + (_el("span", _code(address), class_="detail") if address is not None else "")
        + _el("span", _e(counts), class_="detail")
    )


def _cell(
    channel: str,
    name: str,
    message: dict[str, Any] | None,
    violations: int,
    unchecked: int,
    *,
    consumer: bool,
) -> _Td:
    """One matrix cell: its status as class and ``data-status``, symbol, label and counts.

    A consumer's received message is an expectation: covered when seen, never "driven".
    """
    status = _status(message, violations, unchecked)
    symbol, label, _ = STATUSES[status]
    details: list[str] = []
    if message is not None:
        send, receive = message["sent_by_application"], message["received_by_application"]
        if status == "not-seen" and receive and not send and not consumer:
            label = "not driven"
        directions = (("send", send), ("expected" if consumer else "receive", receive))
        details.append(" · ".join(d for d, on in directions if on) or "no operation")
        seen = message["seen"]  # valid or unchecked: invalid messages are counted as violations
        if seen or violations:
            details.append(f"{max(seen - unchecked, 0)} valid")
        else:
            details.append("seen 0")
        if receive and not consumer:
            details.append(f"published by tests {message['published_by_tests']}")
        if violations:
            details.append(f"{violations} violation(s)")
        if unchecked:
            details.append(f"{unchecked} unchecked")
    body = (
        _el("span", symbol, aria_hidden="true")
        + " "
        + _el("span", _e(label), class_="label")
        + "".join(_el("span", _e(d), class_="detail") for d in details)
    )
    attrs = {"data_channel": channel, "data_message": name, "data_status": status}
    return _Td(body, {"class_": f"cell {status}", **attrs})


def _status(message: dict[str, Any] | None, violations: int, unchecked: int) -> str:
    """Worst first: violations, unchecked, then covered or not seen."""
    if message is None:
        return "na"
    if violations:
        return "violations"
    if unchecked:
        return "unchecked"
    has_operation = message["sent_by_application"] or message["received_by_application"]
    if message["covered"] or (not has_operation and message["seen"]):
        return "covered"
    return "not-seen"


def _legend() -> str:
    items = [
        _el(
            "li",
            _el("span", symbol, aria_hidden="true") + " " + _el("b", _e(label)) + _e(f": {text}"),
            class_=status,
        )
        for status, (symbol, label, text) in STATUSES.items()
    ]
    heading = _el("h2", "Coverage matrices", id="legend")
    note = _el("p", "One matrix per spec and per consumer document below; each cell says:")
    return _el("section", heading + note + _el("ul", "".join(items), class_="legend"))


def _operations(operations: list[dict[str, Any]]) -> str:
    if not operations:
        return ""
    rows = [
        [
            _e(op["id"]),
            _e(op["action"]),
            _e(op["channel"]),
            _e(", ".join(op["messages"])),
            _e(op["seen"]),
            _e(op["published_by_tests"]),
        ]
        for op in operations
    ]
    head = ["Operation", "Action", "Channel", "Messages", "Seen", "Published by tests"]
    return _table([_e(h) for h in head], rows, "Operations")


def _violations(report: dict[str, Any]) -> str:
    violations = report["violations"]
    total = report["totals"]["violations"]
    parts = [_el("h2", _e(f"Violations ({total})"), id="violations")]
    if not violations:
        parts.append(_el("p", "None.", class_="note"))
        return _el("section", "".join(parts))
    if report["violations_truncated"]:
        parts.append(
            _el("p", _e(f"Showing the first {len(violations)} of {total}."), class_="note")
        )
    by_test: dict[str, Counter[tuple[tuple[str, Any], ...]]] = {}
    for violation in violations:
        key = tuple((k, v) for k, v in violation.items() if k != "test")
        by_test.setdefault(violation["test"], Counter())[key] += 1
    stray = {b["label"]: b["violations"] for b in report["between_tests"]}
    for test, groups in by_test.items():
        shown = sum(groups.values())
        count = report["failing_tests"].get(test, stray.get(test, shown))
        parts.append(_el("h3", _e(test) + _e(f" — {count} violation(s)")))
        parts += [_violation(dict(key), n) for key, n in groups.items()]
    return _el("section", "".join(parts))


def _violation(v: dict[str, Any], repeats: int) -> str:
    pointer = v["pointer"] or "(root)"
    title = f"{v['part']} {pointer} [{v['keyword']}]"
    if repeats > 1:
        title += f" ({repeats} times)"
    message = v["message"] if v["message"] is not None else "(no declared message matched)"
    facts = [
        ("Spec", v["spec"]),
        ("Channel", v["channel"]),
        ("Message", message),
        ("Destination", v["destination"]),
        ("Part", v["part"]),
        ("Pointer", pointer),
        ("Keyword", v["keyword"]),
    ]
    if v.get("consumer") is not None:
        facts.insert(0, ("Consumer", v["consumer"]))
    table = _scroll(
        _el(
            "table",
            _el("thead", _el("tr", "".join(_el("th", _e(k), scope="col") for k, _ in facts)))
            + _el("tbody", _el("tr", "".join(_el("td", _code(x)) for _, x in facts))),
            class_="where",
        )
    )
    return _el(
        "article",
        _el("h4", _e(title))
        + _el("p", _e(v["text"]), class_="text")
        + table
        + _el(
            "figure",
            _el("figcaption", _e("Schema at ") + _code(v["schema_location"]))
            + _el("pre", _e(v["schema_excerpt"]), class_="schema"),
        )
        + _el(
            "figure",
            _el("figcaption", "Value") + _el("pre", _e(v["value_excerpt"]), class_="value"),
        ),
        class_="violation",
    )


def _undeclared(undeclared: list[dict[str, Any]]) -> str:
    heading = _el("h2", "Undeclared destinations", id="undeclared")
    if not undeclared:
        return _el("section", heading + _el("p", "None.", class_="note"))
    rows = [[_code(u["destination"]), _e(u["count"])] for u in undeclared]
    note = _el("p", "Messages seen on destinations that no channel of any spec declares.")
    return _el("section", heading + note + _table([_e("Destination"), _e("Messages")], rows))


def _between_tests(between: list[dict[str, Any]]) -> str:
    heading = _el("h2", "Messages between tests", id="between-tests")
    if not between:
        return _el("section", heading + _el("p", "None.", class_="note"))
    rows = [[_e(b["label"]), _e(b["messages"]), _e(b["violations"])] for b in between]
    note = _el("p", "Messages captured while no test was running (no test can be blamed).")
    return _el(
        "section",
        heading + note + _table([_e(h) for h in ("When", "Messages", "Violations")], rows),
    )


def _unchecked(unchecked: list[dict[str, Any]]) -> str:
    heading = _el("h2", "Unchecked messages", id="unchecked")
    if not unchecked:
        return _el("section", heading + _el("p", "None.", class_="note"))
    rows = [
        [
            _e(u["test"]),
            _e(u["spec"]),
            _e(u["channel"]),
            _e(u["message"] if u["message"] is not None else "—"),
            _code(u["destination"]),
            _el("ul", "".join(_el("li", _e(r)) for r in u["reasons"])),
        ]
        for u in unchecked
    ]
    note = _el("p", "Messages that could not be checked: never counted as valid.")
    head = ["Test", "Spec", "Channel", "Message", "Destination", "Why"]
    return _el("section", heading + note + _table([_e(h) for h in head], rows))
