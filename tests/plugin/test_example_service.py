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


def test_example_passes_and_prints_the_summary() -> None:
    done = run_example(None)
    assert done.returncode == 0, done.stdout[-3000:]
    assert "AsyncAPI contract" in done.stdout
    assert "userSignedUp" in done.stdout


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
