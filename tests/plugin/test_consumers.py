"""Consumer-driven contracts on real traffic: each consumer's expectations checked and named."""

from __future__ import annotations

import json

import pytest

from tests.support.reports import load_report

BILLING = """
asyncapi: 3.0.0
info: {title: Billing, version: '1.0.0'}
channels:
  signups:
    address: user/signedup
    messages:
      signup:
        name: UserSignedUp
        payload:
          type: object
          required: [userId, plan]
          properties:
            userId: {type: string}
            plan: {type: string, enum: [free, pro, enterprise]}
operations:
  onSignup:
    action: receive
    channel: {$ref: '#/channels/signups'}
"""

MAILER = """
asyncapi: 2.6.0
info: {title: Mailer, version: '2.0.0'}
channels:
  user/signedup:
    publish:
      message:
        name: UserSignedUp
        payload:
          type: object
          required: [email, displayName]
          properties:
            email: {type: string, format: email}
            displayName: {type: string}
"""


@pytest.fixture
def with_consumers(contract_pytester: pytest.Pytester) -> pytest.Pytester:
    contract_pytester.path.joinpath("billing.yaml").write_text(BILLING)
    contract_pytester.path.joinpath("mailer.yaml").write_text(MAILER)
    contract_pytester.makepyfile(
        test_provider="""
        from publisher import publish, GOOD, HEADERS

        def test_with_plan():
            publish("user/signedup", {**GOOD, "plan": "pro"}, HEADERS)

        def test_without_plan():
            publish("user/signedup", GOOD, HEADERS)
        """
    )
    return contract_pytester


def test_a_provider_change_breaks_one_of_two_consumers(with_consumers: pytest.Pytester) -> None:
    result = with_consumers.runpytest_subprocess(
        "--asyncapi",
        "user-signup-3.0.yaml",
        "--asyncapi-broker",
        "local",
        "--asyncapi-consumer",
        "billing=billing.yaml",
        "--asyncapi-consumer",
        "mailer=mailer.yaml",
        "--asyncapi-report-json",
        "r.json",
        "-p",
        "no:cacheprovider",
    )
    result.assert_outcomes(passed=1, failed=1)
    result.stdout.fnmatch_lines(["*FAILED test_provider.py::test_without_plan*"])
    result.stdout.fnmatch_lines(
        [
            "*breaks billing's contract: billing.yaml · channel signups · message UserSignedUp*",
            "*payload / [[]required[]]*plan*",
        ]
    )
    assert "mailer's contract" not in result.stdout.str()
    result.stdout.fnmatch_lines(
        [
            "*consumer billing: billing.yaml*",
            "*signups  seen 2, valid 1, invalid 1, unchecked 0*",
            "*consumer mailer: mailer.yaml*",
            "*user/signedup  seen 2, valid 2, invalid 0, unchecked 0*",
        ]
    )
    report = load_report(with_consumers.path / "r.json")
    consumers = {c["name"]: c for c in report["consumers"]}
    assert consumers["billing"]["expectations"] == [
        {"channel": "signups", "message": "UserSignedUp", "seen": 1}
    ]
    assert {v["consumer"] for v in report["violations"]} == {"billing"}
    assert json.dumps(report).count("mailer") >= 1


def test_consumer_ini_twin_and_bad_path(with_consumers: pytest.Pytester) -> None:
    result = with_consumers.runpytest_subprocess(
        "--asyncapi", "user-signup-3.0.yaml", "--asyncapi-consumer", "billing=missing.yaml"
    )
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(["*--asyncapi-consumer billing: no such file*missing.yaml*"])
    with_consumers.makeini(
        "[pytest]\nasyncapi_specs = user-signup-3.0.yaml\nasyncapi_broker = local\n"
        "asyncapi_consumers =\n    billing=billing.yaml\n"
        "asyncio_default_fixture_loop_scope = function\n"
    )
    result = with_consumers.runpytest_subprocess("-p", "no:cacheprovider")
    result.assert_outcomes(passed=1, failed=1)
    result.stdout.fnmatch_lines(["*breaks billing's contract*"])
