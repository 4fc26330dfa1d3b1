"""Failures show the useful line, not the plugin's own frames; a dead broker is reported once."""

from __future__ import annotations

import pytest

from pytest_asyncapi.brokers.probes import free_port

TESTS = """
def test_refused(asyncapi):
    asyncapi.publish("userSignedUp", {"x": 1})

def test_unknown_channel(asyncapi):
    asyncapi.expect("nope", timeout=0.1)
"""
UNREACHABLE = """
def test_a(asyncapi):
    pass

def test_b(asyncapi_broker):
    pass

def test_c():
    pass
"""


def plugin_frames(text: str) -> list[str]:
    return [line for line in text.splitlines() if "pytest_asyncapi/" in line]


def section(text: str, title: str) -> list[str]:
    lines = text.splitlines()
    start = next(i for i, line in enumerate(lines) if f" {title} " in line and "___" in line)
    end = next(
        i for i in range(start + 1, len(lines)) if lines[i].startswith(("___", "===", "---"))
    )
    return lines[start + 1 : end]


def test_a_refused_publish_and_an_unknown_channel_point_at_the_test_line(
    contract_pytester: pytest.Pytester,
) -> None:
    contract_pytester.makepyfile(test_noise=TESTS)
    result = contract_pytester.runpytest(
        "--asyncapi", "user-signup-3.0.yaml", "--asyncapi-broker", "local", "-p", "no:cacheprovider"
    )
    result.assert_outcomes(failed=2)
    text = result.stdout.str()
    assert plugin_frames(text) == []
    refused = section(text, "test_refused")
    assert '>       asyncapi.publish("userSignedUp", {"x": 1})' in refused
    assert refused[-1] == "test_noise.py:2: ContractRefusal"  # the test's own line, no other frame
    unknown = section(text, "test_unknown_channel")
    assert any("no channel 'nope' in the specs" in line for line in unknown)
    assert len(unknown) < 10, "\n".join(unknown)


def test_an_unreachable_broker_is_reported_once_then_referred_to(
    contract_pytester: pytest.Pytester,
) -> None:
    contract_pytester.makepyfile(test_dead=UNREACHABLE)
    result = contract_pytester.runpytest(
        "--asyncapi",
        "user-signup-3.0.yaml",
        "--asyncapi-broker",
        f"nats://127.0.0.1:{free_port()}",
        "-p",
        "no:cacheprovider",
    )
    result.assert_outcomes(errors=3)
    text = result.stdout.str()
    assert plugin_frames(text) == []
    first = "\n".join(section(text, "ERROR at setup of test_a"))
    assert "nothing answers at 127.0.0.1:" in first
    assert "hint: start the broker" in first
    assert "see the first error" not in first
    for later in ("test_b", "test_c"):
        lines = section(text, f"ERROR at setup of {later}")
        assert "see the first error" in "\n".join(lines)
        assert len(lines) <= 3, lines
