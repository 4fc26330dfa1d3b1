"""Coverage, the JSON report (against its published schema), JUnit properties, xdist parity."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from typing import Any

import pytest

from tests.support.reports import load_report

SUITE = """
import pytest
from publisher import publish, GOOD, HEADERS

@pytest.mark.parametrize("n", range(6))
def test_good(n):
    publish("user/signedup", {**GOOD, "displayName": f"user {n}"}, HEADERS)

def test_bad():
    publish("user/signedup", {**GOOD, "plan": "gold"}, HEADERS)

def test_bad_twice():
    publish("user/signedup", {**GOOD, "email": "nope"}, HEADERS)
    publish("user/signedup", {**GOOD, "email": "nope"}, HEADERS)

def test_stray():
    publish("audit.trail", {"x": 1})

def test_quiet():
    pass
"""


def run(pytester: pytest.Pytester, *args: str) -> pytest.RunResult:
    return pytester.runpytest_subprocess(
        "--asyncapi",
        "user-signup-3.0.yaml",
        "--asyncapi-broker",
        "local",
        "-p",
        "no:cacheprovider",
        *args,
    )


def test_json_report_validates_and_counts(contract_pytester: pytest.Pytester) -> None:
    contract_pytester.makepyfile(test_suite=SUITE)
    result = run(contract_pytester, "--asyncapi-report-json", "out/report.json")
    result.assert_outcomes(passed=8, failed=2)
    report = load_report(contract_pytester.path / "out" / "report.json")
    assert report["totals"] == {
        "tests": 10,
        "messages": 10,
        "violations": 3,
        "undeclared": 1,
        "failing_tests": 2,
        "stray_violations": 0,
    }
    [spec] = report["specs"]
    channel = next(c for c in spec["channels"] if c["id"] == "userSignedUp")
    assert (channel["seen"], channel["valid"], channel["invalid"]) == (9, 6, 3)
    assert report["failing_tests"] == {
        "test_suite.py::test_bad": 1,
        "test_suite.py::test_bad_twice": 2,
    }
    assert {v["keyword"] for v in report["violations"]} == {"enum", "format"}
    assert report["undeclared"] == [{"destination": "audit.trail", "count": 1}]
    # sent: UserSignedUp and the lookup replies (UserFound, UserNotFound); received: DeleteUser
    # and the LookupUser request
    assert report["coverage"]["sent"] == {"total": 3, "seen": 1}
    assert report["coverage"]["received"] == {"total": 2, "driven": 0}


def test_coverage_in_summary_and_minimum(contract_pytester: pytest.Pytester) -> None:
    contract_pytester.makepyfile(test_quiet="def test_nothing():\n    pass\n")
    result = run(contract_pytester)
    result.assert_outcomes(passed=1)
    assert result.ret == 0
    result.stdout.fnmatch_lines(
        [
            "*coverage: 0% of sent messages seen (0/3)*",
            "*never seen: user-signup-3.0.yaml · userSignedUp · UserSignedUp*",
            "*never seen: user-signup-3.0.yaml · userLookupReply · UserFound*",
            "*never seen: user-signup-3.0.yaml · userLookupReply · UserNotFound*",
            "*never driven (receive): user-signup-3.0.yaml · userDelete · DeleteUser*",
            "*never driven (receive): user-signup-3.0.yaml · userLookup · LookupUser*",
        ]
    )
    gated = run(contract_pytester, "--asyncapi-coverage-min", "50")
    gated.assert_outcomes(passed=1)
    assert gated.ret == pytest.ExitCode.TESTS_FAILED
    gated.stdout.fnmatch_lines(["*FAILED: coverage 0% is below --asyncapi-coverage-min 50%*"])


def test_coverage_minimum_met_passes_and_publish_counts_as_driven(
    contract_pytester: pytest.Pytester,
) -> None:
    contract_pytester.makepyfile(
        test_full="""
        from publisher import publish, GOOD, HEADERS

        def test_send():
            publish("user/signedup", GOOD, HEADERS)

        def test_drive(asyncapi):
            asyncapi.publish("userDelete", {"userId": GOOD["userId"], "reason": "gdpr"})
        """
    )
    # 1 of the 3 sent messages is seen (the lookup replies are not): 33.3% meets a minimum of 33
    result = run(
        contract_pytester, "--asyncapi-coverage-min", "33", "--asyncapi-report-json", "r.json"
    )
    assert result.ret == 0
    report = load_report(contract_pytester.path / "r.json")
    assert round(report["coverage"]["percent"], 1) == 33.3
    assert report["coverage"]["received"] == {"total": 2, "driven": 1}
    ops = {op["id"]: op for op in report["specs"][0]["operations"]}
    assert ops["onDeleteUser"]["published_by_tests"] == 1
    assert ops["publishUserSignedUp"]["seen"] == 1


def test_junit_names_spec_channel_message_under_the_failing_test(
    contract_pytester: pytest.Pytester,
) -> None:
    contract_pytester.makepyfile(test_suite=SUITE)
    run(contract_pytester, "--junitxml", "junit.xml")
    tree = ET.parse(contract_pytester.path / "junit.xml")
    cases = {c.get("name"): c for c in tree.iter("testcase")}
    bad = cases["test_bad_twice"]
    props = {(p.get("name"), p.get("value")) for p in bad.iter("property")}
    assert ("asyncapi.channel", "userSignedUp") in props
    assert ("asyncapi.message", "UserSignedUp") in props
    assert ("asyncapi.spec", "user-signup-3.0.yaml") in props
    assert ("asyncapi.violations", "2") in props
    failure = bad.find("failure")
    assert failure is not None
    assert "payload /email [format]" in (failure.get("message", "") + (failure.text or ""))
    assert list(cases["test_quiet"].iter("property")) == []


def comparable(report: dict[str, Any]) -> dict[str, Any]:
    """The report without what differs between runs by nature (time, broker ports, the order
    in which tests end)."""
    report = dict(report)
    for volatile in ("generated_at", "broker"):
        report.pop(volatile)
    report["violations"] = sorted(report["violations"], key=json.dumps)
    report["unchecked"] = sorted(report["unchecked"], key=json.dumps)
    report["windows"] = sorted(report["windows"], key=json.dumps)  # in the order tests ended
    return report


def test_xdist_gives_the_same_verdicts_coverage_and_report(
    contract_pytester: pytest.Pytester,
) -> None:
    contract_pytester.makepyfile(test_suite=SUITE)
    serial = run(contract_pytester, "--asyncapi-report-json", "serial.json", "-p", "no:xdist")
    parallel = run(contract_pytester, "--asyncapi-report-json", "parallel.json", "-n", "2")
    serial.assert_outcomes(passed=8, failed=2)
    parallel.assert_outcomes(passed=8, failed=2)
    for result in (serial, parallel):
        result.stdout.fnmatch_lines(
            [
                "*userSignedUp*9*6*3*0*user/signedup*",
                "*'audit.trail': 1 message(s)*",
                "*coverage: 33% of sent messages seen (1/3)*",
            ]
        )
    parallel.stdout.fnmatch_lines(["*[[]worker[]] broker: local nats-server*"])
    one = comparable(load_report(contract_pytester.path / "serial.json"))
    two = comparable(load_report(contract_pytester.path / "parallel.json"))
    assert one == two


def test_xdist_with_a_shared_broker_url_is_a_usage_error(
    contract_pytester: pytest.Pytester,
) -> None:
    contract_pytester.makepyfile(test_x="def test_x():\n    pass\n")
    result = contract_pytester.runpytest_subprocess(
        "--asyncapi",
        "user-signup-3.0.yaml",
        "--asyncapi-broker",
        "nats://127.0.0.1:4222",
        "-n",
        "2",
    )
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(["*cannot be shared by pytest-xdist workers*"])
