"""The ``asyncapi`` and ``asyncapi_broker`` fixtures and the marker, on a real nats-server."""

from __future__ import annotations

import pytest

LOCAL = (
    "--asyncapi",
    "user-signup-3.0.yaml",
    "--asyncapi-broker",
    "local",
    "-p",
    "no:cacheprovider",
)


def test_broker_fixture_and_env_var(contract_pytester: pytest.Pytester) -> None:
    contract_pytester.makepyfile(
        test_env="""
        import os

        def test_env(asyncapi_broker):
            assert asyncapi_broker.protocol == "nats"
            assert asyncapi_broker.url.startswith("nats://127.0.0.1:")
            assert os.environ["NATS_URL"] == asyncapi_broker.url
        """
    )
    contract_pytester.runpytest(*LOCAL).assert_outcomes(passed=1)


def test_custom_env_var_name(contract_pytester: pytest.Pytester) -> None:
    contract_pytester.makepyfile(
        test_env="""
        import os

        def test_env(asyncapi_broker):
            assert os.environ["MY_BROKER"] == asyncapi_broker.url
        """
    )
    contract_pytester.runpytest(*LOCAL, "--asyncapi-broker-env", "MY_BROKER").assert_outcomes(
        passed=1
    )


def test_expect_returns_when_enough_arrived_and_fails_listing_what_did(
    contract_pytester: pytest.Pytester,
) -> None:
    contract_pytester.makepyfile(
        test_expect="""
        import json
        from publisher import publish, GOOD, HEADERS

        def test_found(asyncapi):
            publish("user/signedup", GOOD, HEADERS)
            [record] = asyncapi.expect("userSignedUp", timeout=5)
            assert json.loads(record.payload)["email"] == GOOD["email"]
            assert record.header("x-schema-version") == b"2"
            assert len(asyncapi.messages("userSignedUp")) == 1
            assert list(asyncapi.captured) == ["userSignedUp"]

        def test_missing(asyncapi):
            publish("some.other", {"x": 1})
            asyncapi.expect("userSignedUp", count=2, timeout=0.3)
        """
    )
    result = contract_pytester.runpytest(*LOCAL)
    result.assert_outcomes(passed=1, failed=1)
    result.stdout.fnmatch_lines(
        ["*expected 2 message(s) of channel 'userSignedUp' within 0.3 s, got 0*'some.other' x1*"]
    )


def test_publish_validates_first_and_refuses_invalid(contract_pytester: pytest.Pytester) -> None:
    contract_pytester.makepyfile(
        test_publish="""
        import asyncio, json, os
        import nats
        import pytest
        from pytest_asyncapi.plugin.fixtures import ContractRefusal

        def test_publish_reaches_a_consumer(asyncapi):
            async def consume():
                nc = await nats.connect(os.environ["NATS_URL"])
                sub = await nc.subscribe("user/delete")
                await nc.flush()
                await nc.flush()  # nats-py writes the first PING ahead of the SUB
                yield_point = asyncio.get_running_loop().run_in_executor(
                    None, lambda: asyncapi.publish(
                        "userDelete",
                        {"userId": "3f1c1a52-8a57-4d0b-9d53-4f8f3f8f6f11", "reason": "gdpr"},
                    ),
                )
                await yield_point
                msg = await sub.next_msg(timeout=5)
                await nc.close()
                return json.loads(msg.data)
            assert asyncio.run(consume())["reason"] == "gdpr"
            assert asyncapi.published == [("userDelete", "DeleteUser")]

        def test_invalid_is_refused(asyncapi):
            with pytest.raises(ContractRefusal) as refused:
                asyncapi.publish("userDelete", {"userId": "nope"})
            text = str(refused.value)
            assert "payload /userId [format]" in text
            assert "[required]" in text
        """
    )
    contract_pytester.runpytest(*LOCAL).assert_outcomes(passed=2)


def test_async_tests_work_with_aexpect(contract_pytester: pytest.Pytester) -> None:
    contract_pytester.makepyfile(
        test_async="""
        import json, os
        import nats
        import pytest
        from publisher import GOOD, HEADERS

        @pytest.mark.asyncio
        async def test_async_publish_and_expect(asyncapi, asyncapi_broker):
            nc = await nats.connect(asyncapi_broker.url)
            await nc.publish("user/signedup", json.dumps(GOOD).encode(), headers=HEADERS)
            records = await asyncapi.aexpect("userSignedUp", timeout=5)
            await nc.close()
            assert len(records) == 1

        @pytest.mark.asyncio
        async def test_async_bad_message_fails(asyncapi_broker):
            nc = await nats.connect(asyncapi_broker.url)
            await nc.publish("user/signedup", b"{}", headers=HEADERS)
            await nc.flush()
            await nc.close()
        """
    )
    result = contract_pytester.runpytest(*LOCAL)
    result.assert_outcomes(passed=1, failed=1)
    result.stdout.fnmatch_lines(["*test_async_bad_message_fails*", "*[[]required[]]*"])


def test_marker_must_see_and_strict(contract_pytester: pytest.Pytester) -> None:
    contract_pytester.makepyfile(
        test_marker="""
        import pytest
        from publisher import publish

        @pytest.mark.asyncapi(must_see=["userSignedUp"])
        def test_nothing_published():
            pass

        @pytest.mark.asyncapi(strict=True)
        def test_strict_here():
            publish("stray.subject", {"x": 1})

        def test_lenient_here():
            publish("stray.subject", {"x": 1})

        @pytest.mark.asyncapi(bogus=1)
        def test_bad_marker():
            pass
        """
    )
    result = contract_pytester.runpytest(*LOCAL)
    result.assert_outcomes(passed=1, failed=2, errors=1)
    result.stdout.fnmatch_lines(["*must_see: no message on channel(s) 'userSignedUp'*"])
    result.stdout.fnmatch_lines(["*asyncapi takes keyword arguments strict, must_see; got bogus*"])


def test_examples_and_publish_by_example(contract_pytester: pytest.Pytester) -> None:
    contract_pytester.makepyfile(
        test_examples="""
        import pytest

        def test_examples(asyncapi):
            [first, *_] = asyncapi.examples("userDelete")
            assert set(first) >= {"userId", "reason"}
            declared = asyncapi.publish("userDelete", example=0)
            assert declared.display_name == "DeleteUser"
            assert asyncapi.published == [("userDelete", "DeleteUser")]

        def test_unknown_example(asyncapi):
            with pytest.raises(KeyError, match="has no example 'nope'"):
                asyncapi.publish("userDelete", example="nope")
        """
    )
    contract_pytester.runpytest(*LOCAL).assert_outcomes(passed=2)
