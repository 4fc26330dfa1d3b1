"""The Markdown summary (job summary, --asyncapi-report-md): content and no injected markup."""

from __future__ import annotations

import json
import shutil

import pytest
from markdown_it import MarkdownIt

from pytest_asyncapi.reporting.markdown import code, md, render_markdown
from tests.support.hostile import EVIL, SPEC, SUITE
from tests.support.kafka_publisher import KAFKA_PUBLISHER
from tests.support.plugin_runs import PUBLISHER, SAMPLES

PARSER = MarkdownIt("commonmark").enable("table").enable("strikethrough")


def html_of(markdown: str) -> str:
    return PARSER.render(markdown)


def assert_inert(rendered: str) -> None:
    """Only the markup the summary writes itself: no script, link, image, emphasis from data."""
    for tag in ("<script", "<a ", "<img", "<em>", "<s>", "<del>"):
        assert tag not in rendered, tag


def test_escaped_text_renders_as_itself_and_code_spans_hold_backticks() -> None:
    rendered = html_of(f"| a | b |\n|---|---|\n| {md(EVIL)} | {code(EVIL)} |\n")
    assert_inert(rendered)
    cells = rendered.split("<tbody>")[1]
    assert cells.count("<td>") == 2  # the pipes inside did not split the row
    assert "a|b `tick` &lt;script&gt;alert(1)&lt;/script&gt; *em* _u_" in cells
    assert "<code>a|b `tick` &lt;script&gt;" in cells
    assert md("two\nlines") == "two lines"


@pytest.fixture
def hostile_run(pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch) -> pytest.Pytester:
    pytester.path.joinpath("shop.yaml").write_text(SPEC)
    pytester.makepyfile(publisher=PUBLISHER, test_shop=SUITE)
    pytester.makeini(
        "[pytest]\nasyncio_mode = strict\nasyncio_default_fixture_loop_scope = function\n"
    )
    monkeypatch.delenv("NATS_URL", raising=False)
    monkeypatch.delenv("ASYNCAPI_BROKER", raising=False)
    return pytester


def test_a_real_nats_run_writes_the_job_summary_and_the_md_report(
    hostile_run: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    summary = hostile_run.path / "step-summary.md"
    summary.write_text("earlier step\n")
    monkeypatch.setenv("GITHUB_STEP_SUMMARY", str(summary))
    result = hostile_run.runpytest_subprocess(
        "--asyncapi",
        "shop.yaml",
        "--asyncapi-broker",
        "local",
        "-p",
        "no:cacheprovider",
        "--asyncapi-report-md",
        "out/contract.md",
        "--asyncapi-report-json",
        "out/r.json",
    )
    result.assert_outcomes(passed=1, failed=1)
    written = (hostile_run.path / "out/contract.md").read_text()
    assert summary.read_text() == "earlier step\n" + written + "\n"  # appended, not replaced
    assert written.startswith(
        "## AsyncAPI contract: ✘ contract broken: 1 violation(s) in 1 test(s)"
    )
    rendered = html_of(written)
    assert_inert(rendered)
    report = json.loads((hostile_run.path / "out/r.json").read_text())
    assert render_markdown(report).splitlines()[1:] == written.splitlines()[1:]
    channels, violations = rendered.split("<h3>")[1:]
    assert "Channels" in channels
    (row,) = channels.split("<tbody>")[1].split("</tr>")[:1]
    assert row.count("<td") == 6
    assert "orders a|b `tick` &lt;script&gt;" in row
    assert "<td>2</td><td>1</td><td>1</td><td>0</td>" in row.replace("\n", "").replace(
        ' style="text-align:right"', ""
    )
    assert "First violations (1 of 1)" in violations
    (vrow,) = violations.split("<tbody>")[1].split("</tr>")[:1]
    assert vrow.count("<td") == 4
    assert "test_shop.py::test_evil_value" in vrow
    assert "pattern" in vrow
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in vrow


def test_a_real_kafka_run_summary(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    shutil.copy(SAMPLES / "orders-kafka.yaml", pytester.path / "orders-kafka.yaml")
    pytester.makepyfile(
        kafka_publisher=KAFKA_PUBLISHER,
        test_orders=f"""
from kafka_publisher import send, ORDER

def test_good():
    send("orders.events", ORDER)

def test_bad_currency():
    send("orders.events", {{**ORDER, "currency": {EVIL!r}}})
""",
    )
    pytester.makeini(
        "[pytest]\nasyncio_mode = strict\nasyncio_default_fixture_loop_scope = function\n"
    )
    monkeypatch.delenv("KAFKA_BOOTSTRAP_SERVERS", raising=False)
    monkeypatch.delenv("GITHUB_STEP_SUMMARY", raising=False)
    result = pytester.runpytest_subprocess(
        "--asyncapi",
        "orders-kafka.yaml",
        "--asyncapi-broker",
        "local",
        "-p",
        "no:cacheprovider",
        "--asyncapi-report-md",
        "contract.md",
    )
    result.assert_outcomes(passed=1, failed=1)
    written = (pytester.path / "contract.md").read_text()
    rendered = html_of(written)
    assert_inert(rendered)
    assert "| Order Service | orderEvents (orders.events) ✘ | 2 | 1 | 1 | 0 |" in written
    assert "test_orders.py::test_bad_currency" in rendered
    assert "enum" in rendered
