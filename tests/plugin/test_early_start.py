"""The session starts (broker, capture) in a thread while pytest collects; the first test
takes it, a start no test took is stopped, and runs that run no test start nothing."""

from __future__ import annotations

import socket
import threading

import pytest

from pytest_asyncapi.plugin.early_start import EarlyStart

ARGS = (
    "--asyncapi",
    "user-signup-3.0.yaml",
    "--asyncapi-broker",
    "local",
    "-p",
    "no:cacheprovider",
)
SEEN_AT_COLLECTION = """
from pytest_asyncapi.plugin.hooks import SESSION

def pytest_collection_finish(session):
    contract = session.config.stash[SESSION]
    print("EARLY", contract._early is not None, contract.recorder is not None)

def pytest_sessionfinish(session):
    contract = session.config.stash[SESSION]
    if contract._early is not None:  # not taken: waited for here, then stopped by the plugin
        print("UNTAKEN", contract._early.result().adapter.url)
"""
TESTS = """
def test_one(asyncapi_broker):
    print("URL", asyncapi_broker.url)
"""


def test_the_start_begins_before_collection_ends_and_the_first_test_takes_it(
    contract_pytester: pytest.Pytester,
) -> None:
    contract_pytester.makeconftest(SEEN_AT_COLLECTION)
    contract_pytester.makepyfile(test_one=TESTS)
    result = contract_pytester.runpytest("-s", *ARGS)
    result.assert_outcomes(passed=1)
    result.stdout.fnmatch_lines(["EARLY True False", "*URL nats://127.0.0.1:*"])
    assert "UNTAKEN" not in result.stdout.str()


def test_a_start_no_test_took_is_stopped_at_the_end(contract_pytester: pytest.Pytester) -> None:
    contract_pytester.makeconftest(SEEN_AT_COLLECTION)
    contract_pytester.makepyfile(test_one=TESTS)
    result = contract_pytester.runpytest("-s", "-k", "no_such_test", *ARGS)
    assert result.ret == pytest.ExitCode.NO_TESTS_COLLECTED
    [line] = [line for line in result.outlines if line.startswith("UNTAKEN ")]
    host, port = line.split()[1].removeprefix("nats://").rsplit(":", 1)
    # in-process run: only the plugin's own stop can have ended this broker
    with pytest.raises(ConnectionRefusedError):
        socket.create_connection((host, int(port)), timeout=5).close()


@pytest.mark.parametrize("option", ["--co", "--fixtures", "--markers"])
def test_runs_that_run_no_test_start_nothing(
    contract_pytester: pytest.Pytester, option: str
) -> None:
    contract_pytester.makeconftest(SEEN_AT_COLLECTION)
    contract_pytester.makepyfile(test_one=TESTS)
    result = contract_pytester.runpytest("-s", option, *ARGS)
    assert result.ret == pytest.ExitCode.OK
    assert "EARLY True" not in result.stdout.str()
    assert "UNTAKEN" not in result.stdout.str()
    assert not [t for t in threading.enumerate() if t.name == "pytest-asyncapi-start"]


def test_an_early_start_gives_its_value_or_raises_its_error_in_the_caller() -> None:
    assert EarlyStart(lambda: "started").result() == "started"

    def fails() -> str:
        raise LookupError("no broker")

    early = EarlyStart(fails)
    with pytest.raises(LookupError, match="no broker"):
        early.result()
    with pytest.raises(LookupError):  # every call
        early.result()
