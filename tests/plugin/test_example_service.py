"""The example service's contract tests: green as shipped, and the right test fails when broken."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from tests.plugin.conftest import ROOT


def run_example(broken: str | None) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k not in ("NATS_URL", "ASYNCAPI_BROKER")}
    if broken:
        env["SIGNUP_BROKEN"] = broken
    return subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            "examples/signup_service",
            "-p",
            "no:cacheprovider",
            "--asyncapi",
            "sample_specs/user-signup-3.0.yaml",
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
