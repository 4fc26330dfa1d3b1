"""Pacts written by pact-python as consumers on real traffic (nats-server and Tansu)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from pact import match

from tests.support.kafka_publisher import KAFKA_PUBLISHER
from tests.support.pacts import order_created, write_pact
from tests.support.plugin_runs import SAMPLES
from tests.support.reports import load_report

PROVIDER_TESTS_NATS = """
from publisher import publish, GOOD, HEADERS

def test_with_plan():
    publish("user/signedup", {**GOOD, "plan": "pro"}, HEADERS)

def test_without_plan():
    publish("user/signedup", GOOD, HEADERS)
"""

PROVIDER_TESTS_KAFKA = """
from kafka_publisher import send, ORDER

def test_with_coupon():
    send("orders.events", {**ORDER, "couponCode": "SPRING"})

def test_without_coupon():
    send("orders.events", ORDER)
"""


def _run(pytester: pytest.Pytester, spec: str, broker_args: tuple[str, ...]) -> pytest.RunResult:
    return pytester.runpytest_subprocess(
        "--asyncapi",
        spec,
        "--asyncapi-broker",
        "local",
        "--asyncapi-consumer",
        "billing=billing-pact.json",
        "--asyncapi-report-json",
        "r.json",
        "-p",
        "no:cacheprovider",
        *broker_args,
    )


def test_pact_consumer_on_nats_names_the_broken_consumer(
    contract_pytester: pytest.Pytester, tmp_path: Path
) -> None:
    body = {
        "userId": match.str("3f1c1a52-8a57-4d0b-9d53-4f8f3f8f6f11"),
        "plan": match.regex("pro", regex="^(?:free|pro|enterprise)$"),
    }
    pact = write_pact(
        tmp_path, [("a user signed up", body, {"subject": "user/signedup"})], specification="V3"
    )
    shutil.copy(pact, contract_pytester.path / "billing-pact.json")
    contract_pytester.makepyfile(test_provider=PROVIDER_TESTS_NATS)
    result = _run(contract_pytester, "user-signup-3.0.yaml", ())
    result.assert_outcomes(passed=1, failed=1)
    result.stdout.fnmatch_lines(
        [
            "*FAILED test_provider.py::test_without_plan*",
        ]
    )
    result.stdout.fnmatch_lines(
        [
            "*breaks billing's contract: billing-pact.json · channel userSignedUp · "
            "message UserSignedUp*",
            "*payload / [[]required[]]*plan*",
        ]
    )
    report = load_report(contract_pytester.path / "r.json")
    assert {v["consumer"] for v in report["violations"]} == {"billing"}


def test_pact_consumer_on_kafka(contract_pytester: pytest.Pytester, tmp_path: Path) -> None:
    shutil.copy(SAMPLES / "orders-kafka.yaml", contract_pytester.path / "orders-kafka.yaml")
    contract_pytester.makepyfile(
        kafka_publisher=KAFKA_PUBLISHER, test_provider=PROVIDER_TESTS_KAFKA
    )
    pact = write_pact(
        tmp_path,
        [
            (
                "an order with a coupon",
                order_created(couponCode=match.str("X")),
                {"topic": "orders.events"},
            )
        ],
    )
    shutil.copy(pact, contract_pytester.path / "billing-pact.json")
    result = _run(contract_pytester, "orders-kafka.yaml", ())
    result.assert_outcomes(passed=1, failed=1)
    result.stdout.fnmatch_lines(["*FAILED test_provider.py::test_without_coupon*"])
    result.stdout.fnmatch_lines(
        ["*breaks billing's contract*", "*payload / [[]required[]]*couponCode*"]
    )


def test_unmapped_interaction_is_a_usage_error_listing_the_candidates(
    contract_pytester: pytest.Pytester, tmp_path: Path
) -> None:
    pact = write_pact(tmp_path, [("mystery", {"a": match.int(1)}, {})])
    shutil.copy(pact, contract_pytester.path / "billing-pact.json")
    contract_pytester.makepyfile(test_provider="def test_nothing():\n    pass\n")
    result = _run(contract_pytester, "user-signup-3.0.yaml", ())
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(
        [
            "*consumer billing: 1 pact interaction(s) match no message*",
            "*mystery: interaction 'mystery' names no destination*candidates: "
            "userSignedUp/UserSignedUp (user/signedup)*",
            "*--asyncapi-pact-map*",
        ]
    )
    result = _run(
        contract_pytester,
        "user-signup-3.0.yaml",
        ("--asyncapi-pact-map", "mystery=userSignedUp"),
    )
    result.assert_outcomes(passed=1)
