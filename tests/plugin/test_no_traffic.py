"""A session that saw nothing on any declared channel checked nothing: it says so."""

from __future__ import annotations

import pytest

IN_MEMORY = """
sent = []

def publish_in_memory(subject, payload):
    \"\"\"What an in-memory test broker does: the message never reaches a real broker.\"\"\"
    sent.append((subject, payload))

def test_signup():
    publish_in_memory("user/signedup", {"userId": "x"})
    assert sent

def test_delete():
    publish_in_memory("user/delete", {})
"""
ARGS = (
    "--asyncapi",
    "user-signup-3.0.yaml",
    "--asyncapi-broker",
    "local",
    "-p",
    "no:cacheprovider",
)


def test_no_message_on_any_channel_is_a_warning_naming_likely_causes(
    contract_pytester: pytest.Pytester,
) -> None:
    contract_pytester.makepyfile(test_service=IN_MEMORY)
    result = contract_pytester.runpytest(*ARGS)
    result.assert_outcomes(passed=2)
    assert result.ret == pytest.ExitCode.OK
    result.stdout.fnmatch_lines(
        [
            "WARNING: no message was seen on any declared channel in 2 test(s): nothing was check*",
            "*likely causes: *in-memory test client (FastStream's TestNatsBroker*"
            "*does not read the broker URL from NATS_URL*",
        ]
    )


def test_no_message_on_any_channel_fails_under_strict(contract_pytester: pytest.Pytester) -> None:
    contract_pytester.makepyfile(test_service=IN_MEMORY)
    result = contract_pytester.runpytest(*ARGS, "--asyncapi-strict")
    result.assert_outcomes(passed=2)
    assert result.ret == pytest.ExitCode.TESTS_FAILED
    result.stdout.fnmatch_lines(["FAILED: no message was seen on any declared channel*"])


def test_only_undeclared_traffic_points_at_the_addresses(
    contract_pytester: pytest.Pytester,
) -> None:
    contract_pytester.makepyfile(
        test_service="""
        from publisher import publish, GOOD, HEADERS

        def test_dotted_subject():
            publish("user.signedup", GOOD, HEADERS)  # the spec says user/signedup
        """
    )
    result = contract_pytester.runpytest(*ARGS)
    result.stdout.fnmatch_lines(
        [
            "WARNING: no message was seen on any declared channel in 1 test(s)*",
            "*1 message(s) arrived on destinations no channel declares*--asyncapi-slash-to-dot*",
        ]
    )


def test_traffic_on_a_declared_channel_gives_no_warning(contract_pytester: pytest.Pytester) -> None:
    contract_pytester.makepyfile(
        test_service="""
        from publisher import publish, GOOD, HEADERS

        def test_signup():
            publish("user/signedup", GOOD, HEADERS)
        """
    )
    result = contract_pytester.runpytest(*ARGS, "--asyncapi-strict")
    result.assert_outcomes(passed=1)
    assert result.ret == pytest.ExitCode.OK
    assert "no message was seen" not in result.stdout.str()
