"""The HTML contract report: structure and escaping, a real headless chromium, a real run."""

from __future__ import annotations

import json
import re
import shutil
import struct
import zlib
from pathlib import Path
from typing import Any

import jsonschema
import pytest

from pytest_asyncapi.reporting.html import STATUSES, render_html, write_html
from pytest_asyncapi.reporting.report import SCHEMA_PATH
from tests.support.html import Node, chromium, parse, screenshot_path
from tests.support.plugin_runs import PUBLISHER, SAMPLES

EVIL = '<script>document.title="pwned"</script><img src=x onerror=alert(1)>'
SPEC = "specs/shop.yaml"
BAD_TEST = f"tests/test_signup.py::test_bad[{EVIL}]"
BETWEEN = "between tests (after tests/test_signup.py::test_bad)"


# --- a small DOM: html.parser into a tree -------------------------------------------------------


def matrix(doc: Node, index: int = 0) -> dict[tuple[str, str], Node]:
    """(channel id, message name) -> the cell, in the ``index``-th matrix of the page."""
    table = [t for t in doc.iter("table") if "matrix" in t.classes()][index]
    return {(td.attrs["data-channel"], td.attrs["data-message"]): td for td in table.iter("td")}


def row_headers(doc: Node, index: int = 0) -> list[str]:
    """The leading text of each row header of the ``index``-th matrix."""
    table = [t for t in doc.iter("table") if "matrix" in t.classes()][index]
    return [str(th.children[0]) for th in table.find("tbody").iter("th")]


def statuses(doc: Node, index: int = 0) -> dict[tuple[str, str], tuple[str, str]]:
    """(channel, message) -> (data-status, the cell's text label) for the message columns."""
    return {
        key: (cell.attrs["data-status"], cell.find("span", cls="label").text())
        for key, cell in matrix(doc, index).items()
    }


# --- a report built by hand, valid per report.schema.json ---------------------------------------


def message(
    name: str, seen: int = 0, *, receive: bool = False, covered: bool = False
) -> dict[str, Any]:
    return {
        "name": name,
        "seen": seen,
        "valid": seen,
        "invalid": 0,
        "unchecked": 0,
        "published_by_tests": 0,
        "sent_by_application": not receive,
        "received_by_application": receive,
        "covered": covered,
    }


def channel(
    id: str, address: str | None, *messages: dict[str, Any], **counts: int
) -> dict[str, Any]:
    totals = {k: counts.get(k, 0) for k in ("seen", "valid", "invalid", "unchecked")}
    return {"id": id, "address": address, **totals, "messages": list(messages)}


def violation(test: str, **fields: Any) -> dict[str, Any]:
    return {
        "test": test,
        "spec": SPEC,
        "channel": "signup",
        "message": "UserSignedUp",
        "destination": "user.signedup",
        "part": "payload",
        "pointer": "/email",
        "keyword": "format",
        "text": f'{json.dumps(EVIL)} is not a "email"',
        "schema_location": "#/components/schemas/Signup/properties/email",
        "schema_excerpt": json.dumps({"type": "string", "format": "email", "description": EVIL}),
        "value_excerpt": json.dumps(EVIL),
        "consumer": None,
        **fields,
    }


def sample_report() -> dict[str, Any]:
    """Every matrix status, grouped and repeated violations, and hostile strings everywhere."""
    return {
        "version": "1.0",
        "tool": {"name": "pytest-asyncapi", "version": "9.9.9"},
        "generated_at": "2026-01-02T03:04:05+00:00",
        "broker": [f"broker: local nats-server ({EVIL})"],
        "gate": {
            "strict": False,
            "coverage_min": None,
            "failed": True,
            "reasons": ["1 test(s) broke the contract"],
        },
        "totals": {
            "tests": 5,
            "messages": 9,
            "violations": 5,
            "undeclared": 2,
            "failing_tests": 1,
            "stray_violations": 1,
        },
        "coverage": {
            "percent": 50.0,
            "sent": {"total": 4, "seen": 2},
            "received": {"total": 1, "driven": 0},
        },
        "specs": [
            {
                "path": SPEC,
                "title": f"Shop {EVIL}",
                "version": "1.0.0",
                "asyncapi": "3.0.0",
                "channels": [
                    channel(
                        "orders",
                        "orders.{id}.created",
                        message("OrderCreated", 3, covered=True),
                        message("OrderCancelled"),
                        seen=3,
                        valid=3,
                    ),
                    channel(
                        "payments",
                        "payments.done",
                        message("PaymentDone", 1, covered=True),
                        seen=1,
                        unchecked=1,
                    ),
                    channel("signup", None, message("UserSignedUp"), seen=2, invalid=2),
                    channel("commands", "user.delete", message("DeleteUser", receive=True)),
                ],
                "operations": [
                    {
                        "id": "onDelete",
                        "action": "receive",
                        "channel": "commands",
                        "messages": ["DeleteUser"],
                        "seen": 0,
                        "published_by_tests": 0,
                    }
                ],
            }
        ],
        "consumers": [
            {
                "name": "billing",
                "path": "consumers/billing.yaml",
                "title": "Billing",
                "version": "2.0.0",
                "asyncapi": "2.6.0",
                "channels": [
                    channel(
                        "signups",
                        "user.signedup",
                        message("UserSignedUp", 1, receive=True, covered=True),
                        message("PlanChanged", receive=True),
                        seen=2,
                        valid=1,
                        invalid=1,
                    )
                ],
                "operations": [],
                "expectations": [
                    {"channel": "signups", "message": "UserSignedUp", "seen": 1},
                    {"channel": "signups", "message": "PlanChanged", "seen": 0},
                ],
            }
        ],
        "violations": [
            violation(BAD_TEST),
            violation(BAD_TEST),
            violation(
                BAD_TEST,
                part="headers",
                pointer="",
                keyword="required",
                text='"x-correlation-id" is a required property',
            ),
            violation(
                BAD_TEST,
                consumer="billing",
                spec="consumers/billing.yaml",
                channel="signups",
                pointer="",
                keyword="required",
                text='"plan" is a required property',
            ),
            violation(BETWEEN, message=None, destination=f"user.{EVIL}"),
        ],
        "violations_truncated": False,
        "failing_tests": {BAD_TEST: 4},
        "undeclared": [{"destination": f"audit.{EVIL}", "count": 2}],
        "between_tests": [{"label": BETWEEN, "messages": 2, "violations": 1}],
        "unchecked": [
            {
                "test": "tests/test_pay.py::test_pay",
                "spec": SPEC,
                "channel": "payments",
                "message": "PaymentDone",
                "destination": "payments.done",
                "reasons": [f"content type application/x-{EVIL} cannot be checked"],
            }
        ],
    }


def valid(report: dict[str, Any]) -> dict[str, Any]:
    schema = json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))
    jsonschema.Draft7Validator(schema, format_checker=jsonschema.FormatChecker()).validate(report)
    return report


EXPECTED_CELLS = {
    ("orders", "OrderCreated"): ("covered", "covered"),
    ("orders", "OrderCancelled"): ("not-seen", "not seen"),
    ("orders", "PaymentDone"): ("na", "n/a"),
    ("payments", "PaymentDone"): ("unchecked", "unchecked"),
    ("payments", "OrderCreated"): ("na", "n/a"),
    ("signup", "UserSignedUp"): ("violations", "violations"),
    ("commands", "DeleteUser"): ("not-seen", "not driven"),
    ("commands", "UserSignedUp"): ("na", "n/a"),
}


def assert_shows_the_sample(doc: Node) -> None:
    """What a reader of the sample report must find on the page."""
    assert doc.find("title").text() == "AsyncAPI contract report"
    assert not list(doc.iter("script"))
    assert not list(doc.iter("img"))
    assert doc.find("p", id="coverage-percent").text() == "50%"
    assert "Contract broken: 5 violation(s) in 1 test(s), 1 between tests" in doc.text()
    shown = statuses(doc)
    assert len(shown) == 4 * 5
    assert {k: shown[k] for k in EXPECTED_CELLS} == EXPECTED_CELLS
    assert statuses(doc, 1) == {
        ("signups", "UserSignedUp"): ("violations", "violations"),
        ("signups", "PlanChanged"): ("not-seen", "not seen"),
    }
    assert "Consumer billing: Billing 2.0.0" in [h.text() for h in doc.iter("h2")]
    assert "consumer billing: 1/2 expected messages seen" in doc.find("section", cls="box").text()
    texts = [p.text() for p in doc.iter("p") if "text" in p.classes()]
    assert f'{json.dumps(EVIL)} is not a "email"' in texts
    assert f"Spec: Shop {EVIL} 1.0.0" in [h.text() for h in doc.iter("h2")]


# --- unit: structure and escaping ---------------------------------------------------------------


def test_sample_report_is_valid_per_the_published_schema() -> None:
    valid(sample_report())


def test_page_is_self_contained_and_every_report_string_is_escaped() -> None:
    page = render_html(valid(sample_report()))
    assert "<script" not in page.lower()
    assert "<img" not in page.lower()
    doc = parse(page)
    assert not [n.tag for n in doc.iter() if {"src", "href", "style"} & set(n.attrs)]
    assert [n.tag for n in doc.iter() if n.tag in {"link", "iframe", "object", "embed"}] == []
    assert not re.search(r"url\(|@import", doc.find("style").text())
    csp = [m.attrs["content"] for m in doc.iter("meta") if "http-equiv" in m.attrs]
    assert csp == ["default-src 'none'; style-src 'unsafe-inline'"]
    text = doc.text()
    for hostile in (
        f"local nats-server ({EVIL})",  # the "broker: " prefix is not repeated after the label
        f"Shop {EVIL}",
        BAD_TEST,
        f"user.{EVIL}",
        f"audit.{EVIL}",
        f"content type application/x-{EVIL} cannot be checked",
        json.dumps({"type": "string", "format": "email", "description": EVIL}),
    ):
        assert hostile in text
    assert_shows_the_sample(doc)


def test_matrix_cells_carry_status_class_symbol_text_label_and_counts() -> None:
    doc = parse(render_html(valid(sample_report())))
    cells = matrix(doc)
    for (row, column), cell in cells.items():
        status = cell.attrs["data-status"]
        assert cell.classes() == {"cell", status}, (row, column)
        symbol, label, _ = STATUSES[status]
        assert cell.elements()[0].text() == symbol
        assert cell.elements()[0].attrs["aria-hidden"] == "true"
        assert label in cell.text() or status == "not-seen"
    details = [
        s.text() for s in cells[("signup", "UserSignedUp")].iter("span") if "detail" in s.classes()
    ]
    assert details == ["send", "0 valid", "3 violation(s)"]
    unchecked = cells[("payments", "PaymentDone")]
    assert [s.text() for s in unchecked.iter("span")][-1] == "1 unchecked"
    driven = [s.text() for s in cells[("commands", "DeleteUser")].iter("span")]
    assert driven[-3:] == ["receive", "seen 0", "published by tests 0"]
    heads = {th.text() for th in doc.find("table", cls="matrix").find("thead").iter("th")}
    assert "signupseen 2 · valid 0 · invalid 2 · unchecked 0" in heads
    assert "ordersorders.{id}.createdseen 3 · valid 3 · invalid 0 · unchecked 0" in heads


def test_matrix_puts_the_longer_side_down_the_page() -> None:
    report = sample_report()
    doc = parse(render_html(valid(report)))
    assert row_headers(doc) == [
        "OrderCreated",
        "OrderCancelled",
        "PaymentDone",
        "UserSignedUp",
        "DeleteUser",
    ]
    caption = doc.find("table", cls="matrix").find("caption").text()
    assert caption == "Coverage matrix: messages (rows) by channels (columns)"
    report["specs"][0]["channels"].pop(0)
    doc = parse(render_html(valid(report)))
    assert row_headers(doc) == ["payments", "signup", "commands"]
    caption = doc.find("table", cls="matrix").find("caption").text()
    assert caption == "Coverage matrix: channels (rows) by messages (columns)"
    assert statuses(doc)[("signup", "UserSignedUp")] == ("violations", "violations")


def test_page_is_accessible_markup() -> None:
    doc = parse(render_html(valid(sample_report())))
    assert doc.find("html").attrs["lang"] == "en"
    assert [h.text() for h in doc.iter("h1")] == ["AsyncAPI contract report"]
    headings = [h.text() for h in doc.iter("h2")]
    for wanted in (
        "Coverage",
        "Violations (5)",
        "Undeclared destinations",
        "Messages between tests",
        "Unchecked messages",
    ):
        assert wanted in headings
    for table in doc.iter("table"):
        assert all(th.attrs.get("scope") in {"col", "row"} for th in table.iter("th"))
        assert list(table.iter("thead"))
    assert doc.find("table", cls="matrix").find("caption")
    legend = doc.find("ul", cls="legend")
    assert [li.find("b").text() for li in legend.iter("li")] == [s[1] for s in STATUSES.values()]
    assert [next(iter(li.classes())) for li in legend.iter("li")] == list(STATUSES)


def test_violations_are_grouped_by_test_with_repeats_collapsed() -> None:
    doc = parse(render_html(valid(sample_report())))
    section = next(s for s in doc.iter("section") if s.find("h2").text() == "Violations (5)")
    groups = [h.text() for h in section.iter("h3")]
    assert groups == [f"{BAD_TEST} — 4 violation(s)", f"{BETWEEN} — 1 violation(s)"]
    articles = list(section.iter("article"))
    titles = [a.find("h4").text() for a in articles]
    assert titles == [
        "payload /email [format] (2 times)",
        "headers (root) [required]",
        "payload (root) [required]",
        "payload /email [format]",
    ]
    first = articles[0]
    where = first.find("table", cls="where")
    head = [th.text() for th in where.iter("th")]
    row = [td.text() for td in where.iter("td")]
    assert dict(zip(head, row, strict=True)) == {
        "Spec": SPEC,
        "Channel": "signup",
        "Message": "UserSignedUp",
        "Destination": "user.signedup",
        "Part": "payload",
        "Pointer": "/email",
        "Keyword": "format",
    }
    figures = list(first.iter("figure"))
    assert figures[0].find("figcaption").text() == (
        "Schema at #/components/schemas/Signup/properties/email"
    )
    assert json.loads(figures[0].find("pre").text())["description"] == EVIL
    assert figures[1].find("pre").text() == json.dumps(EVIL)
    consumer = articles[2].find("table", cls="where")
    assert [td.text() for td in consumer.iter("td")][:2] == ["billing", "consumers/billing.yaml"]
    assert "Consumer" not in [th.text() for th in where.iter("th")]
    assert "(no declared message matched)" in articles[3].text()
    assert articles[3].find("code").text() == SPEC


def test_undeclared_between_tests_and_unchecked_tables() -> None:
    doc = parse(render_html(valid(sample_report())))

    def rows(heading: str) -> list[list[str]]:
        section = next(s for s in doc.iter("section") if s.find("h2").text() == heading)
        body = section.find("tbody")
        return [[c.text() for c in tr.elements()] for tr in body.iter("tr")]

    assert rows("Undeclared destinations") == [[f"audit.{EVIL}", "2"]]
    assert rows("Messages between tests") == [[BETWEEN, "2", "1"]]
    assert rows("Unchecked messages") == [
        [
            "tests/test_pay.py::test_pay",
            SPEC,
            "payments",
            "PaymentDone",
            "payments.done",
            f"content type application/x-{EVIL} cannot be checked",
        ]
    ]


def test_empty_run_reads_as_no_violations_and_no_coverage_figure() -> None:
    report = sample_report()
    report.update(
        violations=[],
        failing_tests={},
        undeclared=[],
        between_tests=[],
        unchecked=[],
        broker=[],
        consumers=[],
    )
    report["totals"].update(violations=0, failing_tests=0, stray_violations=0, undeclared=0)
    report["coverage"] = {
        "percent": None,
        "sent": {"total": 0, "seen": 0},
        "received": {"total": 0, "driven": 0},
    }
    report["specs"][0]["channels"] = []
    doc = parse(render_html(valid(report)))
    verdict = doc.find("p", id="verdict")
    assert verdict.text() == "No contract violations"
    assert "pass" in verdict.classes()
    assert doc.find("p", id="coverage-percent").text() == "n/a"
    assert "This spec declares no channels." in doc.text()
    assert "Broker" in [dt.text() for dt in doc.iter("dt")]
    assert "not recorded" in [dd.text() for dd in doc.iter("dd")]
    notes = [p.text() for p in doc.iter("p") if "note" in p.classes()]
    assert notes.count("None.") == 4
    assert not [u for u in doc.iter("ul") if "legend" in u.classes()]


def test_message_without_operation_and_violations_only_between_tests() -> None:
    report = sample_report()
    commands = report["specs"][0]["channels"][3]
    commands["messages"].append(
        {**message("Audit", 2), "sent_by_application": False, "covered": False}
    )
    report["violations"] = report["violations"][-1:]
    report["failing_tests"] = {}
    report["totals"].update(violations=1, failing_tests=0)
    doc = parse(render_html(valid(report)))
    verdict = doc.find("p", id="verdict").text()
    assert verdict == "Contract broken: 1 violation(s), 1 between tests"
    audit = matrix(doc)[("commands", "Audit")]
    assert audit.attrs["data-status"] == "covered"
    assert [s.text() for s in audit.iter("span")][-2:] == ["no operation", "2 valid"]
    assert statuses(doc)[("signup", "UserSignedUp")] == ("not-seen", "not seen")


def test_truncated_violations_and_fractional_coverage_are_said() -> None:
    report = sample_report()
    report["violations_truncated"] = True
    report["totals"]["violations"] = 1500
    report["coverage"]["percent"] = 200 / 3
    doc = parse(render_html(valid(report)))
    assert doc.find("p", id="coverage-percent").text() == "66.7%"
    assert "Showing the first 5 of 1500." in doc.text()
    assert "kept in detail" in doc.find("table", cls="matrix").find("caption").text()


def test_write_html_creates_folders_and_writes_utf8(tmp_path: Path) -> None:
    target = tmp_path / "deep" / "er" / "report.html"
    write_html(valid(sample_report()), target)
    page = target.read_text(encoding="utf-8")
    assert page.startswith("<!DOCTYPE html>")
    assert '<meta charset="utf-8">' in page
    assert "✘" in page


# --- a real headless browser ----------------------------------------------------------------------


def browse(page: Path, screenshot: Path, tmp_path: Path) -> Node:
    """Screenshot ``page`` at 1280x2000 and return the DOM chromium built from it."""
    url = page.resolve().as_uri()
    screenshot.unlink(missing_ok=True)
    chromium(
        tmp_path / "profile-shot", f"--screenshot={screenshot}", "--window-size=1280,2000", url
    )
    assert screenshot.stat().st_size > 10_000
    return parse(chromium(tmp_path / "profile-dom", "--dump-dom", url))


def png_pixels(data: bytes) -> tuple[int, int, bytes]:
    """Width, height and the RGB(A) rows of an 8-bit, non-interlaced PNG (what chromium writes)."""
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    pos, idat = 8, b""
    while pos < len(data):
        size, kind = struct.unpack(">I4s", data[pos : pos + 8])
        body = data[pos + 8 : pos + 8 + size]
        pos += 12 + size
        if kind == b"IHDR":
            width, height, depth, colour, _, _, interlace = struct.unpack(">IIBBBBB", body)
            assert (depth, interlace) == (8, 0)
            bpp = {2: 3, 6: 4}[colour]
        elif kind == b"IDAT":
            idat += body
    raw, stride = zlib.decompress(idat), width * bpp
    prev, rows = bytearray(stride), []
    for y in range(height):
        start = y * (stride + 1)
        kind_, line = raw[start], bytearray(raw[start + 1 : start + 1 + stride])
        if kind_ == 1:
            for i in range(bpp, stride):
                line[i] = (line[i] + line[i - bpp]) & 255
        elif kind_ == 2:
            line = bytearray((x + up) & 255 for x, up in zip(line, prev, strict=True))
        elif kind_ == 3:
            for i in range(stride):
                line[i] = (line[i] + ((line[i - bpp] if i >= bpp else 0) + prev[i]) // 2) & 255
        elif kind_ == 4:
            for i in range(stride):
                a, b = (line[i - bpp], prev[i]) if i >= bpp else (0, prev[i])
                c = prev[i - bpp] if i >= bpp else 0
                pa, pb, pc = abs(b - c), abs(a - c), abs(a + b - 2 * c)
                line[i] = (line[i] + (a if pa <= pb and pa <= pc else b if pb <= pc else c)) & 255
        rows.append(bytes(line))
        prev = line
    return width, height, b"".join(rows)


def test_chromium_renders_the_page_and_shows_statuses_violations_and_coverage(
    tmp_path: Path,
) -> None:
    page = tmp_path / "report.html"
    write_html(valid(sample_report()), page)
    shot = screenshot_path("html-report-sample.png", tmp_path)
    dom = browse(page, shot, tmp_path)
    assert_shows_the_sample(dom)
    # The status colours of the page's own stylesheet are painted on the screenshot.
    width, height, pixels = png_pixels(shot.read_bytes())
    assert (width, height) == (1280, 2000)
    css = dom.find("style").text()
    for status in ("covered", "violations", "unchecked", "not-seen"):
        colour = re.search(rf"\.{status}\{{background:#([0-9a-f]{{6}})", css)
        assert colour, status
        assert pixels.count(bytes.fromhex(colour.group(1))) > 2000, status


# --- end to end: a real run on nats-server --------------------------------------------------------


@pytest.fixture
def signup_pytester(pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch) -> pytest.Pytester:
    shutil.copy(SAMPLES / "user-signup-3.0.yaml", pytester.path / "user-signup-3.0.yaml")
    pytester.makepyfile(publisher=PUBLISHER)
    pytester.makeini(
        "[pytest]\nasyncio_mode = strict\nasyncio_default_fixture_loop_scope = function\n"
    )
    monkeypatch.delenv("NATS_URL", raising=False)
    monkeypatch.delenv("ASYNCAPI_BROKER", raising=False)
    return pytester


def test_a_real_run_writes_both_reports_and_the_page_shows_the_failing_test(
    signup_pytester: pytest.Pytester, tmp_path: Path
) -> None:
    signup_pytester.makepyfile(
        test_service="""
        from publisher import publish, GOOD, HEADERS

        def test_good():
            publish("user/signedup", GOOD, HEADERS)

        def test_bad_email():
            publish("user/signedup", {**GOOD, "email": "<script>x()</script>"}, HEADERS)

        def test_stray():
            publish("audit.events", {"x": 1})
        """
    )
    result = signup_pytester.runpytest(
        "--asyncapi",
        "user-signup-3.0.yaml",
        "--asyncapi-broker",
        "local",
        "-p",
        "no:cacheprovider",
        "--asyncapi-report-json",
        "out/r.json",
        "--asyncapi-report-html",
        "out/r.html",
    )
    result.assert_outcomes(passed=2, failed=1)
    report = valid(json.loads((signup_pytester.path / "out/r.json").read_text(encoding="utf-8")))
    assert report["failing_tests"] == {"test_service.py::test_bad_email": 1}

    shot = screenshot_path("html-report-run.png", tmp_path)
    dom = browse(signup_pytester.path / "out/r.html", shot, tmp_path)
    assert not list(dom.iter("script"))
    # sent messages: UserSignedUp (seen), the lookup replies UserFound, UserNotFound (not seen)
    assert dom.find("p", id="coverage-percent").text() == "33.3%"
    cells = statuses(dom)
    assert len(cells) == 4 * 5  # channels x messages
    assert {key: cell for key, cell in cells.items() if cell != ("na", "n/a")} == {
        ("userSignedUp", "UserSignedUp"): ("violations", "violations"),
        ("userDelete", "DeleteUser"): ("not-seen", "not driven"),
        ("userLookup", "LookupUser"): ("not-seen", "not driven"),
        ("userLookupReply", "UserFound"): ("not-seen", "not seen"),
        ("userLookupReply", "UserNotFound"): ("not-seen", "not seen"),
    }
    section = next(s for s in dom.iter("section") if s.find("h2").text() == "Violations (1)")
    assert [h.text() for h in section.iter("h3")] == [
        "test_service.py::test_bad_email — 1 violation(s)"
    ]
    article = section.find("article")
    assert article.find("h4").text() == "payload /email [format]"
    assert article.find("p", cls="text").text() == '"<script>x()</script>" is not a "email"'
    assert article.find("pre", cls="value").text() == '"<script>x()</script>"'
    undeclared = next(
        s for s in dom.iter("section") if s.find("h2").text() == "Undeclared destinations"
    )
    row = undeclared.find("tbody").find("tr")
    assert [cell.text() for cell in row.elements()] == ["audit.events", "1"]
