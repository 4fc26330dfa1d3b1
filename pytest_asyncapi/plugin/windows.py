"""Per-test work behind the plugin's hooks: open and close a test's capture window, turn
its outcome into a failure, a report section, JUnit properties and a record on the report.

Imported only when the plugin is on.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import pytest

from pytest_asyncapi.check.results import TestOutcome, window_record
from pytest_asyncapi.errors import AsyncAPIContractError, BrokerError
from pytest_asyncapi.reporting.terminal import render_test_failure

if TYPE_CHECKING:
    from pytest_asyncapi.plugin.session import ContractSession

MARKER = "asyncapi"
MARKER_ARGS = ("strict", "must_see")
RECORDS = pytest.StashKey[dict[str, dict[str, Any]]]()
"""Per item: ``when`` -> the window record to put on that phase's report."""


def open_window(session: ContractSession, item: pytest.Item) -> Exception | None:
    """Check the marker, start the broker if needed, drain what came between tests.

    Returns the problem to raise once the other setup hooks have run, if any.
    """
    try:
        _check_marker(item)
        stray = session.start().begin_test(item.nodeid)
    except (pytest.UsageError, AsyncAPIContractError) as error:
        return error
    if stray is not None:
        item.stash.setdefault(RECORDS, {})["setup"] = window_record(stray, between=True)
    return None


def setup_failure(problem: Exception) -> None:
    """Fail the test's setup on ``problem`` with its text alone (no plugin frames): a
    usage problem as it is, a broker problem with what it said."""
    __tracebackhide__ = True
    if isinstance(problem, pytest.UsageError):
        raise problem
    pytest.fail(f"AsyncAPI: {problem}", pytrace=False)


def close_window(session: ContractSession, item: pytest.Item, *, failed_already: bool) -> None:
    """Drain and judge the test's window; fail the test (or add a section) on violations."""
    assert session.recorder is not None
    try:
        outcome = session.recorder.end_test()
    except BrokerError as error:
        session.failure = str(error).splitlines()[0]
        pytest.fail(f"AsyncAPI capture failed: {error}", pytrace=False)
    item.stash.setdefault(RECORDS, {})["call"] = window_record(outcome, between=False)
    _junit_properties(item, outcome)
    strict = _marker_value(item, "strict", session.settings.strict)
    text = render_test_failure(outcome, strict=bool(strict))
    missing = _missing_channels(item, outcome)
    if missing:
        text = (text + "\n" if text else "") + missing
    if text is None:
        return
    if failed_already:
        item.add_report_section("call", "asyncapi", text)
        return
    pytest.fail(text, pytrace=False)


def take_record(item: pytest.Item, when: str) -> dict[str, Any] | None:
    """The window record for ``when``'s report, if the window produced one."""
    return item.stash.get(RECORDS, {}).pop(when, None)


def _junit_properties(item: pytest.Item, outcome: TestOutcome) -> None:
    """Name spec, channel and message of each violation group in the test's JUnit entry."""
    groups = dict.fromkeys((v.spec, v.channel, v.message or "") for v in outcome.violations)
    for spec, channel, message in groups:
        item.user_properties.append(("asyncapi.spec", spec))
        item.user_properties.append(("asyncapi.channel", channel))
        item.user_properties.append(("asyncapi.message", message))
    if outcome.violations:
        item.user_properties.append(("asyncapi.violations", len(outcome.violations)))


def _missing_channels(item: pytest.Item, outcome: TestOutcome) -> str | None:
    wanted = _marker_value(item, "must_see", ())
    if not wanted:
        return None
    seen = {v.channel for v in outcome.verdicts} | {
        v.captured.destination for v in outcome.verdicts
    }
    seen |= {channel for _, channel, _, _ in outcome.valid}
    seen |= {destination for _, _, _, destination in outcome.valid}
    missing = [c for c in wanted if c not in seen]
    if not missing:
        return None
    return f"must_see: no message on channel(s) {', '.join(map(repr, missing))} during this test"


def _check_marker(item: pytest.Item) -> None:
    for marker in item.iter_markers(MARKER):
        unknown = sorted(set(marker.kwargs) - set(MARKER_ARGS))
        if unknown or marker.args:
            raise pytest.UsageError(
                f"{item.nodeid}: @pytest.mark.asyncapi takes keyword arguments "
                f"{', '.join(MARKER_ARGS)}; got {', '.join(unknown) or 'positional arguments'}"
            )


def _marker_value(item: pytest.Item, name: str, default: Any) -> Any:
    for marker in item.iter_markers(MARKER):
        if name in marker.kwargs:
            return marker.kwargs[name]
    return default
