"""The example service's contract tests: green as shipped, and the right test fails when broken."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from tests.plugin.conftest import ROOT


def run_example(
    broken: str | None,
    folder: str = "examples/signup_service",
    spec: str = "sample_specs/user-signup-3.0.yaml",
    variable: str = "SIGNUP_BROKEN",
) -> subprocess.CompletedProcess[str]:
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in ("NATS_URL", "KAFKA_BOOTSTRAP_SERVERS", "ASYNCAPI_BROKER")
    }
    if broken:
        env[variable] = broken
    return subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            folder,
            "-p",
            "no:cacheprovider",
            "--asyncapi",
            spec,
            "--asyncapi-broker",
            "local",
            "-o",
            "addopts=",
            "-q",
        ],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


def run_orders(broken: str | None) -> subprocess.CompletedProcess[str]:
    return run_example(
        broken, "examples/orders_service", "sample_specs/orders-kafka.yaml", "ORDERS_BROKEN"
    )


LOOKUP_TESTS = "examples/signup_service/tests/test_lookup_reply.py::"


def test_example_passes_and_prints_the_summary() -> None:
    done = run_example(None)
    assert done.returncode == 0, done.stdout[-3000:]
    out = done.stdout
    assert "AsyncAPI contract" in out
    assert "userSignedUp" in out
    assert "deselected" not in out  # the request/reply tests run with the 3.0 document
    # replies count in coverage: UserSignedUp, and both reply messages of answerUserLookup
    assert "coverage: 100% of sent messages seen (3/3)" in out
    assert "answerUserLookup: LookupUser -> UserFound  3 valid" in out
    assert "answerUserLookup: LookupUser -> UserNotFound  2 valid" in out


def test_example_runs_with_the_2_6_document_without_its_reply_tests() -> None:
    done = run_example(None, spec="sample_specs/user-signup-2.6.yaml")
    assert done.returncode == 0, done.stdout[-3000:]
    out = done.stdout
    assert "AsyncAPI 2.6.0" in out
    assert (
        "signup example: 5 request/reply test(s) deselected: no loaded document declares an "
        "operation with a reply" in out
    )
    assert "10 passed, 5 deselected" in out
    # the lookup another service sends is still checked, as an ordinary 2.x channel
    assert any(line.split()[:4] == ["user/lookup", "1", "1", "0"] for line in out.splitlines())
    assert "request/reply (request -> reply):" not in out  # 2.x pairs no replies


@pytest.mark.parametrize(
    ("broken", "expected"),
    [
        ("missing-header", 'headers / [required]: "x-correlation-id" is a required property'),
        ("extra-field", "[additionalProperties]"),
    ],
)
def test_broken_variant_fails_the_right_test_with_the_right_message(
    broken: str, expected: str
) -> None:
    done = run_example(broken)
    assert done.returncode == 1
    out = done.stdout
    assert (
        "FAILED examples/signup_service/tests/test_signup_contract.py::"
        "test_sign_up_publishes_user_signed_up" in out
    )
    assert "channel userSignedUp · message UserSignedUp" in out
    assert expected in out
    # the lifecycle test that publishes nothing still passes
    assert "test_sign_up_refused_after_stop FAILED" not in out


def test_invalid_lookup_reply_fails_the_lookup_tests_naming_the_operation_and_reply() -> None:
    done = run_example("reply-field")
    assert done.returncode == 1
    out = done.stdout
    failed = sorted(line for line in out.splitlines() if line.startswith("FAILED "))
    assert failed == [
        f"FAILED {LOOKUP_TESTS}{name}"
        for name in (
            "test_lookup_answers_with_the_users_account",
            "test_lookup_by_another_service",
            "test_lookup_from_a_synchronous_test",
        )
    ]  # the UserNotFound replies and every other test still pass
    assert "asyncapi.request('answerUserLookup'): the reply breaks the contract:" in out
    assert "channel userLookupReply · operation answerUserLookup reply · message UserFound" in out
    assert 'reply payload / [required]: "displayName" is a required property' in out
    assert "answerUserLookup: LookupUser -> UserFound  3 invalid" in out


def test_reply_with_another_correlation_id_fails_every_lookup_test() -> None:
    done = run_example("reply-correlation")
    assert done.returncode == 1
    out = done.stdout
    failed = [line for line in out.splitlines() if line.startswith("FAILED ")]
    assert len(failed) == 5
    assert all(line.startswith(f"FAILED {LOOKUP_TESTS}") for line in failed)
    assert "reply correlationId / [correlationId]: the reply's correlation ID '" in out
    assert "(at $message.header#/x-correlation-id) is not the request's '" in out


def test_orders_example_passes_on_kafka_with_full_coverage() -> None:
    done = run_orders(None)
    assert done.returncode == 0, done.stdout[-3000:]
    assert "coverage: 100% of sent messages seen (2/2)" in done.stdout


def test_orders_example_bad_key_fails_naming_the_key_schema() -> None:
    done = run_orders("bad-key")
    assert done.returncode == 1
    out = done.stdout
    assert "FAILED examples/orders_service/tests/test_orders_contract.py::" in out
    assert 'key / [pattern]: "order-42" does not match "^ord-[0-9]{6}$"' in out
    assert "schema #/components/schemas/OrderId" in out
    assert "test_bad_requests_are_refused_without_an_event FAILED" not in out
