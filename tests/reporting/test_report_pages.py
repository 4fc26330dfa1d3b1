"""The HTML pages in a real headless chromium at 1280 px and 390 px, from real runs; the
pictures and their text equivalents; pytest-html with the plugin."""

from __future__ import annotations

import html
import json
import re
from pathlib import Path
from typing import Any

import pytest

from tests.support.compat import FIXTURES, run_cli
from tests.support.hostile import SPEC, SUITE
from tests.support.html import chromium, parse, screenshot_path
from tests.support.plugin_runs import PUBLISHER

PROBE = """<!DOCTYPE html><html><body style="margin:0">
<iframe id="f" src="{page}" style="width:{width}px;height:3000px;border:0"></iframe>
<pre id="out">pending</pre>
<script>
document.getElementById("f").addEventListener("load", () => {{
  const d = document.getElementById("f").contentDocument, root = d.documentElement;
  const pictures = [...d.querySelectorAll("svg.picture")].map(s => ({{
    id: s.id, width: s.getBoundingClientRect().width,
    title: (s.querySelector("title") || {{}}).textContent || "",
    desc: (s.querySelector("desc") || {{}}).textContent || "",
    labelled: s.getAttribute("aria-labelledby") || "", role: s.getAttribute("role"),
    table: !!d.getElementById(s.id + "-text")}}));
  document.getElementById("out").textContent = JSON.stringify({{
    client: root.clientWidth, scroll: root.scrollWidth, pictures: pictures,
    scripts: d.querySelectorAll("script").length}});
}});
</script></body></html>"""


def measure(page: Path, width: int, tmp_path: Path) -> dict[str, Any]:
    """Lay ``page`` out ``width`` px wide in chromium; what its DOM says (widths, pictures)."""
    probe = tmp_path / f"probe-{width}.html"
    probe.write_text(PROBE.format(page=page.resolve().as_uri(), width=width))
    dom = chromium(
        tmp_path / f"profile-probe-{width}",
        "--allow-file-access-from-files",
        "--virtual-time-budget=10000",
        "--dump-dom",
        probe.as_uri(),
    )
    found = re.search(r'<pre id="out">(.*?)</pre>', dom, re.S)
    assert found, dom[-2000:]
    return dict(json.loads(html.unescape(found.group(1))))


def shoot(page: Path, width: int, name: str, tmp_path: Path) -> None:
    shot = screenshot_path(f"{name}-{width}.png", tmp_path)
    shot.unlink(missing_ok=True)
    chromium(
        tmp_path / f"profile-shot-{width}",
        f"--screenshot={shot}",
        f"--window-size={width},2400",
        page.resolve().as_uri(),
    )
    assert shot.stat().st_size > 10_000


def assert_fits(page: Path, name: str, tmp_path: Path) -> list[dict[str, Any]]:
    """No horizontal overflow of the page at 1280 px nor at 390 px; screenshots kept."""
    pictures: list[dict[str, Any]] = []
    for width in (1280, 390):
        found = measure(page, width, tmp_path)
        assert found["client"] == width
        assert found["scroll"] <= found["client"], f"{name} overflows at {width}px"
        assert found["scripts"] == 0
        for picture in found["pictures"]:
            assert 0 < picture["width"] <= width
        pictures = found["pictures"]
        shoot(page, width, name, tmp_path)
    return pictures


@pytest.fixture
def hostile_report(pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The HTML report of a real nats-server run with hostile names and payloads."""
    pytester.path.joinpath("shop.yaml").write_text(SPEC)
    pytester.makepyfile(publisher=PUBLISHER, test_shop=SUITE)
    pytester.makeini(
        "[pytest]\nasyncio_mode = strict\nasyncio_default_fixture_loop_scope = function\n"
    )
    monkeypatch.delenv("NATS_URL", raising=False)
    monkeypatch.delenv("GITHUB_STEP_SUMMARY", raising=False)
    result = pytester.runpytest_subprocess(
        "--asyncapi",
        "shop.yaml",
        "--asyncapi-broker",
        "local",
        "-p",
        "no:cacheprovider",
        "--asyncapi-report-html",
        "r.html",
    )
    result.assert_outcomes(passed=1, failed=1)
    return pytester.path / "r.html"


def test_contract_report_fits_both_widths_and_every_picture_has_a_text_equivalent(
    hostile_report: Path, tmp_path: Path
) -> None:
    pictures = assert_fits(hostile_report, "html-report-pictures", tmp_path)
    assert [p["id"] for p in pictures] == ["coverage-bars", "timeline", "channel-bars-0"]
    for picture in pictures:
        assert picture["role"] == "img"
        assert picture["labelled"] == f"{picture['id']}-title {picture['id']}-desc"
        assert picture["title"]
        assert picture["table"], picture["id"]
    timeline = next(p for p in pictures if p["id"] == "timeline")
    assert timeline["desc"] == "2 windows in run order; 1 with violations; 0 between tests"
    doc = parse(hostile_report.read_text())
    marks = [r for r in doc.iter("rect") if "mark" in r.classes()]
    assert [m.attrs["class"] for m in marks] == ["mark valid", "mark invalid"]
    assert [m.find("title").text() for m in marks][1].startswith(
        "test_shop.py::test_evil_value: 1 message(s), 1 violation(s)"
    )
    rows = [
        [c.text() for c in row.elements() if c.tag == "td"]
        for row in doc.find("details", id="timeline-text").iter("tr")
    ][1:]
    assert rows == [
        ["1", "test_shop.py::test_good", "1", "0", "0", "0"],
        ["2", "test_shop.py::test_evil_value", "1", "1", "0", "0"],
    ]
    facts = {dt.text(): dd.text() for dt, dd in zip(doc.iter("dt"), doc.iter("dd"), strict=True)}
    assert facts["Broker"].startswith("local nats-server")


def test_diff_and_verify_pages(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    v1, v2 = str(FIXTURES / "orders-v1.yaml"), str(FIXTURES / "orders-v2.yaml")
    diff_page = tmp_path / "diff.html"
    code, _, _ = run_cli(capsys, "diff", v1, v2, "--html", str(diff_page))
    assert code == 1
    assert_fits(diff_page, "diff-page", tmp_path)
    doc = parse(diff_page.read_text())
    first_section = doc.find("section")
    grades = [a.attrs["data-classification"] for a in first_section.iter("article")]
    assert grades == sorted(grades, key=["breaking", "needs review", "non-breaking"].index)
    changed = [a for a in doc.iter("article") if a.attrs["data-classification"] == "breaking"]
    assert changed
    sides = changed[0].find("div", cls="sides")
    assert [f.find("figcaption").text() for f in sides.iter("figure")] == ["Old", "New"]
    assert any(
        f.find("figcaption").text() == "Counterexample value"
        for a in doc.iter("article")
        for f in a.iter("figure")
    )
    verify_page = tmp_path / "verify.html"
    code, _, _ = run_cli(
        capsys,
        "verify",
        "--consumer",
        str(FIXTURES / "billing-consumer.yaml"),
        "--provider",
        v2,
        "--html",
        str(verify_page),
    )
    assert code == 1
    assert_fits(verify_page, "verify-page", tmp_path)
    doc = parse(verify_page.read_text())
    (broken,) = [a for a in doc.iter("article") if a.attrs["data-status"] == "broken"]
    assert "Counterexample payload" in broken.text()


def test_diff_markdown_goes_to_the_job_summary(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    summary = tmp_path / "summary.md"
    monkeypatch.setenv("GITHUB_STEP_SUMMARY", str(summary))
    v1, v2 = str(FIXTURES / "orders-v1.yaml"), str(FIXTURES / "orders-v2.yaml")
    code, out, _ = run_cli(capsys, "diff", v1, v2, "--no-search")
    assert code == 1
    assert summary.read_text() == out + "\n"


def test_pytest_html_shows_violations_in_the_row_and_the_contract_summary(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    pytester.path.joinpath("shop.yaml").write_text(SPEC)
    pytester.makepyfile(publisher=PUBLISHER, test_shop=SUITE)
    pytester.makeini(
        "[pytest]\nasyncio_mode = strict\nasyncio_default_fixture_loop_scope = function\n"
    )
    monkeypatch.delenv("NATS_URL", raising=False)
    result = pytester.runpytest_subprocess(
        "--asyncapi",
        "shop.yaml",
        "--asyncapi-broker",
        "local",
        "-p",
        "no:cacheprovider",
        "--html",
        "ph.html",
        "--self-contained-html",
    )
    result.assert_outcomes(passed=1, failed=1)
    page = (pytester.path / "ph.html").read_text()
    blob = re.search(r'data-jsonblob="([^"]*)"', page)
    assert blob
    data = json.loads(html.unescape(blob.group(1)))
    rows = {test_id: runs for test_id, runs in data["tests"].items()}
    failing = rows["test_shop.py::test_evil_value"][0]
    extras = [e["content"] for e in failing["extras"] if e["format_type"] == "html"]
    assert any("AsyncAPI contract: 1 violation(s)" in e for e in extras)
    (extra,) = [e for e in extras if "AsyncAPI contract" in e]
    assert "<script>" not in extra
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in extra
    assert not [e for e in rows["test_shop.py::test_good"][0]["extras"]]
    summary = re.search(r'<div class="asyncapi-summary">.*?</div>', page, re.S)
    assert summary, "the contract summary is in pytest-html's summary section"
    assert "<h2>AsyncAPI contract</h2>" in summary.group(0)
    assert "contract broken: 1 violation(s) in 1 test(s)" in summary.group(0)
