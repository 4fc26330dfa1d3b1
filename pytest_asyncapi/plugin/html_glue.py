"""pytest-html integration: contract violations in each test's row, the contract summary in
the report's summary section (registered only when pytest-html is active).

Everything inserted is escaped HTML built from the plugin's own records.
"""

from __future__ import annotations

from html import escape
from typing import TYPE_CHECKING, Any

import pytest

if TYPE_CHECKING:
    from pytest_asyncapi.plugin.session import ContractSession


def _e(value: object) -> str:
    return escape(str(value), quote=True)


def violations_html(record: dict[str, Any]) -> str | None:
    """A table of the window's violations, for the test's row; ``None`` when there are none."""
    violations = record.get("violations") or []
    if not violations:
        return None
    rows = "".join(
        "<tr>"
        + "".join(
            f"<td>{_e(c)}</td>"
            for c in (
                (f"{v['consumer']}: " if v.get("consumer") else "") + v["channel"],
                v["message"] or "(no message matched)",
                f"{v['part']} {v['pointer'] or '/'}",
                v["keyword"],
                v["text"],
                v["value_excerpt"],
            )
        )
        + "</tr>"
        for v in violations
    )
    head = "".join(
        f"<th>{h}</th>" for h in ("Channel", "Message", "Where", "Rule", "Problem", "Value")
    )
    return (
        f'<div class="asyncapi-violations"><p><b>AsyncAPI contract: {len(violations)} '
        f"violation(s)</b></p><table><thead><tr>{head}</tr></thead><tbody>{rows}</tbody>"
        "</table></div>"
    )


def add_extras(report: pytest.TestReport, record: dict[str, Any]) -> None:
    """Attach the window's violations to ``report`` as a pytest-html extra."""
    content = violations_html(record)
    if content is None:
        return
    from pytest_html import extras

    # pytest-html reads the ``extras`` attribute of each report
    setattr(report, "extras", [*getattr(report, "extras", []), extras.html(content)])  # noqa: B010


class SummarySection:
    """Adds the contract summary to pytest-html's summary section."""

    def __init__(self, session: ContractSession) -> None:
        self.session = session

    @pytest.hookimpl(optionalhook=True)
    def pytest_html_results_summary(
        self, prefix: list[str], summary: list[str], postfix: list[str], session: Any
    ) -> None:
        if self.session.ran_tests:
            postfix.append(summary_html(self.session.report()))


def summary_html(report: dict[str, Any]) -> str:
    """Verdict, coverage and per-channel counts of the run, as an HTML fragment."""
    totals, coverage = report["totals"], report["coverage"]
    verdict = (
        f"contract broken: {totals['violations']} violation(s) in {totals['failing_tests']} test(s)"
        if totals["violations"]
        else "no contract violations"
    )
    percent = coverage["percent"]
    shown = "n/a" if percent is None else f"{percent:.1f}%"
    rows = "".join(
        f"<tr><td>{_e(spec['title'])}</td><td>{_e(c['id'])}</td>"
        + "".join(f"<td>{c[k]}</td>" for k in ("seen", "valid", "invalid", "unchecked"))
        + "</tr>"
        for spec in report["specs"]
        for c in spec["channels"]
    )
    head = "".join(
        f"<th>{h}</th>" for h in ("Spec", "Channel", "Seen", "Valid", "Invalid", "Unchecked")
    )
    return (
        '<div class="asyncapi-summary"><h2>AsyncAPI contract</h2>'
        f"<p><b>{_e(verdict)}</b>; coverage {_e(shown)} of sent messages seen "
        f"({coverage['sent']['seen']}/{coverage['sent']['total']}); "
        f"{totals['messages']} message(s), {totals['undeclared']} undeclared</p>"
        f"<table><thead><tr>{head}</tr></thead><tbody>{rows}</tbody></table></div>"
    )
