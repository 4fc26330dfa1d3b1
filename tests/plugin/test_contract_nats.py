"""End to end on a real nats-server: the test that breaks the contract fails, and says why."""

from __future__ import annotations

import time

import pytest

LOCAL = ("--asyncapi-broker", "local", "-p", "no:cacheprovider")


def run(pytester: pytest.Pytester, *args: str) -> pytest.RunResult:
    return pytester.runpytest("--asyncapi", "user-signup-3.0.yaml", *LOCAL, *args)


def test_only_the_test_that_published_a_bad_message_fails(
    contract_pytester: pytest.Pytester,
) -> None:
    contract_pytester.makepyfile(
        test_service="""
        from publisher import publish, GOOD, HEADERS

        def test_good():
            publish("user/signedup", GOOD, HEADERS)

        def test_bad_email():
            publish("user/signedup", {**GOOD, "email": "not-an-email"}, HEADERS)

        def test_after():
            pass
        """
    )
    result = run(contract_pytester)
    result.assert_outcomes(passed=2, failed=1)
    result.stdout.fnmatch_lines(["*FAILED test_service.py::test_bad_email*"])
    result.stdout.fnmatch_lines(
        [
            "*AsyncAPI contract broken: 1 violation(s) in 1 message(s)*",
            "*user-signup-3.0.yaml · channel userSignedUp · message UserSignedUp*",
            "*payload /email [[]format[]]*",
            "*seen on 'user/signedup'*",
            "*schema #/components/schemas/UserSignedUpPayload/properties/email*",
            '*value: "not-an-email"*',
            "*how to read this: README, section 'Reading a contract failure'*",
        ]
    )
    assert "test_good FAILED" not in result.stdout.str()


def test_summary_counts_per_channel_and_lists_undeclared(
    contract_pytester: pytest.Pytester,
) -> None:
    contract_pytester.makepyfile(
        test_service="""
        from publisher import publish, GOOD, HEADERS

        def test_traffic():
            publish("user/signedup", GOOD, HEADERS)
            publish("user/signedup", GOOD, HEADERS)
            publish("user/signedup", {**GOOD, "plan": "gold"}, HEADERS)
            publish("audit.events", {"x": 1})
        """
    )
    result = run(contract_pytester)
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(
        [
            "*= AsyncAPI contract =*",
            "*channel*seen*valid*invalid*unchecked*",
            "*userSignedUp*3*2*1*0*user/signedup*",
            "*userDelete*0*0*0*0*user/delete*",
            "*undeclared destinations*",
            "*'audit.events': 1 message(s)*",
        ]
    )


def test_undeclared_subject_fails_only_in_strict_mode(contract_pytester: pytest.Pytester) -> None:
    contract_pytester.makepyfile(
        test_service="""
        from publisher import publish

        def test_stray():
            publish("not.in.the.spec", {"x": 1})
        """
    )
    run(contract_pytester).assert_outcomes(passed=1)
    strict = run(contract_pytester, "--asyncapi-strict")
    strict.assert_outcomes(failed=1)
    strict.stdout.fnmatch_lines(["*destinations no channel declares*'not.in.the.spec'*"])


def test_headers_are_converted_from_strings_and_checked(contract_pytester: pytest.Pytester) -> None:
    contract_pytester.makepyfile(
        test_service="""
        from publisher import publish, GOOD, HEADERS

        def test_version_as_string_number_is_fine():
            publish("user/signedup", GOOD, HEADERS)

        def test_version_zero_breaks_minimum():
            publish("user/signedup", GOOD, {**HEADERS, "x-schema-version": "0"})

        def test_missing_correlation_id():
            publish("user/signedup", GOOD, {"x-schema-version": "1"})
        """
    )
    result = run(contract_pytester)
    result.assert_outcomes(passed=1, failed=2)
    result.stdout.fnmatch_lines(["*headers /x-schema-version [[]minimum[]]*"])
    result.stdout.fnmatch_lines(["*headers / [[]required[]]*x-correlation-id*"])


def test_repeated_violations_are_collapsed_with_a_count(contract_pytester: pytest.Pytester) -> None:
    contract_pytester.makepyfile(
        test_service="""
        from publisher import publish, GOOD, HEADERS

        def test_many():
            for _ in range(3):
                publish("user/signedup", {**GOOD, "displayName": ""}, HEADERS)
        """
    )
    result = run(contract_pytester)
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(["*payload /displayName [[]minLength[]]*(x3)*"])


def test_not_json_is_a_violation_not_a_crash(contract_pytester: pytest.Pytester) -> None:
    contract_pytester.makepyfile(
        test_service="""
        from publisher import publish, HEADERS

        def test_garbage():
            publish("user/signedup", None, HEADERS, raw=b"\\xff\\xfe not json")
        """
    )
    result = run(contract_pytester)
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(["*payload / [[]contentType[]]*not valid JSON*"])


def test_messages_between_tests_are_reported_and_fail_the_session(
    contract_pytester: pytest.Pytester,
) -> None:
    contract_pytester.makepyfile(
        test_service="""
        import pytest
        from publisher import publish, GOOD, HEADERS

        @pytest.fixture
        def leaky():
            yield
            publish("user/signedup", {**GOOD, "email": "bad"}, HEADERS)

        def test_one(leaky):
            pass

        def test_two():
            pass
        """
    )
    result = run(contract_pytester)
    result.assert_outcomes(passed=2)
    assert result.ret == pytest.ExitCode.TESTS_FAILED
    result.stdout.fnmatch_lines(
        ["*between tests (after test_service.py::test_one): 1 message(s), 1 violation(s)*"]
    )


def test_channel_parameters_are_extracted_and_checked(contract_pytester: pytest.Pytester) -> None:
    contract_pytester.makepyfile(
        test_lights="""
        from publisher import publish

        SUBJECT = "smartylighting.streetlights.1.0.event.{}.lighting.measured"
        READING = {"lumens": 10, "sentAt": "2026-11-28T10:00:00Z"}

        def test_good_id():
            publish(SUBJECT.format("lamp-1"), READING)

        def test_bad_id():
            publish(SUBJECT.format("LAMP_1"), READING)
        """
    )
    result = contract_pytester.runpytest("--asyncapi", "streetlights-params.yaml", *LOCAL)
    result.assert_outcomes(passed=1, failed=1)
    result.stdout.fnmatch_lines(["*parameter streetlightId / [[]pattern[]]*"])


RAML_SPEC = """
asyncapi: 3.0.0
info: {title: raml, version: '1'}
channels:
  readings:
    address: telemetry.readings
    messages:
      reading:
        contentType: application/octet-stream
        payload:
          schemaFormat: application/raml+yaml;version=1.0
          schema: {type: object}
"""


def test_unsupported_schema_format_is_unchecked_and_fails_only_in_strict(
    contract_pytester: pytest.Pytester,
) -> None:
    (contract_pytester.path / "raml.yaml").write_text(RAML_SPEC)
    contract_pytester.makepyfile(
        test_raml="""
        from publisher import publish

        def test_reading():
            publish("telemetry.readings", None, raw=b"\\x02\\x04raml")
        """
    )
    args = ("--asyncapi", "raml.yaml", "--asyncapi-protocol", "nats", *LOCAL)
    result = contract_pytester.runpytest(*args)
    result.assert_outcomes(passed=1)
    result.stdout.fnmatch_lines(["*readings*1*0*0*1*"])
    strict = contract_pytester.runpytest(*args, "--asyncapi-strict")
    strict.assert_outcomes(failed=1)
    strict.stdout.fnmatch_lines(["*could not be checked*"])


def test_broker_killed_mid_session_errors_within_seconds(
    contract_pytester: pytest.Pytester,
) -> None:
    contract_pytester.makepyfile(
        test_kill="""
        import time
        from publisher import publish, GOOD, HEADERS
        from pytest_asyncapi.plugin.hooks import SESSION

        def test_before():
            publish("user/signedup", GOOD, HEADERS)

        def test_broker_dies(request):
            request.config.stash[SESSION].broker.kill()

        def test_after():
            pass
        """
    )
    started = time.monotonic()
    result = run(contract_pytester)
    elapsed = time.monotonic() - started
    result.assert_outcomes(passed=1, failed=1, errors=1)
    result.stdout.fnmatch_lines(["*test_broker_dies*", "*AsyncAPI capture failed:*"])
    result.stdout.fnmatch_lines(["*ERROR at setup of test_after*", "*broker is unavailable*"])
    result.stdout.fnmatch_lines(["*broker lost during the session:*"])
    assert elapsed < 15, f"took {elapsed:.1f} s"


def test_several_candidates_show_the_closest_message(contract_pytester: pytest.Pytester) -> None:
    contract_pytester.makepyfile(
        test_lights="""
        from publisher import publish

        SUBJECT = "smartylighting.streetlights.1.0.event.lamp-1.lighting.measured"

        def test_fault_is_fine():
            publish(SUBJECT, {"faultCode": "LAMP_FAILURE", "sentAt": "2026-11-28T10:00:00Z"})

        def test_neither_message():
            publish(SUBJECT, {"lumens": -5, "sentAt": "2026-11-28T10:00:00Z"})
        """
    )
    result = contract_pytester.runpytest("--asyncapi", "streetlights-params.yaml", *LOCAL)
    result.assert_outcomes(passed=1, failed=1)
    result.stdout.fnmatch_lines(
        [
            "*message lightMeasured (closest; none of lightMeasured, lightFault matched)*",
            "*payload /lumens [[]minimum[]]*",
        ]
    )


def test_slash_to_dot_and_destination_override(contract_pytester: pytest.Pytester) -> None:
    contract_pytester.makepyfile(
        test_mapped="""
        from publisher import publish, GOOD, HEADERS

        def test_mapped_subject():
            publish("user.signedup", {**GOOD, "email": "x"}, HEADERS)

        def test_overridden_subject():
            publish("cmd.delete", {"userId": "nope", "reason": "r"})
        """
    )
    result = run(
        contract_pytester,
        "--asyncapi-slash-to-dot",
        "--asyncapi-destination",
        "userDelete=cmd.delete",
    )
    result.assert_outcomes(failed=2)
    result.stdout.fnmatch_lines(["*seen on 'user.signedup'*"])
    result.stdout.fnmatch_lines(["*seen on 'cmd.delete'*"])
