"""The NATS capture's promises end to end: a restarted broker fails the test during which it
was gone (naming the gap) and later tests pass; a user refused '>' is captured on the
declared subjects with a summary note; a malformed frame is one invalid message."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest

from tests.support.nats_servers import RUNNING, NatsServer

if TYPE_CHECKING:
    from collections.abc import Iterator
    from pathlib import Path


@pytest.fixture
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[NatsServer]:
    config = """
authorization {
  users = [
    {user: svc, password: svc}
    {user: cap, password: cap, permissions: {subscribe: {allow: ["user/signedup"]}}}
  ]
}
"""
    with NatsServer(tmp_path_factory.mktemp("nats"), config) as running:
        RUNNING["plugin"] = running
        yield running
        RUNNING.pop("plugin", None)


def _run(pytester: pytest.Pytester, url: str, *args: str) -> pytest.RunResult:
    return pytester.runpytest(
        "--asyncapi",
        "user-signup-3.0.yaml",
        "--asyncapi-broker",
        url,
        "-p",
        "no:cacheprovider",
        *args,
    )


def test_the_test_during_which_the_broker_restarted_fails_naming_the_gap(
    contract_pytester: pytest.Pytester, server: NatsServer
) -> None:
    contract_pytester.makepyfile(
        test_restart="""
        from publisher import publish, GOOD, HEADERS
        from tests.support.nats_servers import RUNNING

        def test_before():
            publish("user/signedup", GOOD, HEADERS)

        def test_restart():
            publish("user/signedup", GOOD, HEADERS)
            RUNNING["plugin"].restart()

        def test_after():
            publish("user/signedup", GOOD, HEADERS)
        """
    )
    result = _run(contract_pytester, server.url_for("svc", "svc"))
    result.assert_outcomes(passed=2, failed=1)
    result.stdout.fnmatch_lines(
        [
            "*_ test_restart _*",
            "*capture gap: the NATS connection to nats://svc:***@127.0.0.1:*"
            "was lost from * to * (*s): the server went away (restarted or replaced)*",
        ]
    )
    assert "svc:svc@" not in result.stdout.str()


def test_a_user_refused_gt_is_captured_on_the_declared_subjects_and_the_summary_says_so(
    contract_pytester: pytest.Pytester, server: NatsServer
) -> None:
    contract_pytester.makepyfile(
        test_restricted="""
        from publisher import publish, GOOD, HEADERS

        def test_publishes():
            publish("user/signedup", GOOD, HEADERS)
            publish("some.other", GOOD, HEADERS)
        """
    )
    result = _run(contract_pytester, server.url_for("cap", "cap"))
    result.assert_outcomes(passed=1)
    result.stdout.fnmatch_lines(
        [
            "*userSignedUp *1 *1 *0 *0  user/signedup*",
            "*NATS capture: declared subjects only (the server refused '>' (permissions "
            "violation)); messages on undeclared destinations cannot be seen*",
            "*NATS capture: this user may not subscribe to 'user/delete', 'user/lookup' "
            "(permissions violation): messages there cannot be seen*",
        ]
    )
    assert "some.other" not in result.stdout.str()
    forced = _run(contract_pytester, server.url_for("cap", "cap"), "--asyncapi-nats-capture=all")
    forced.assert_outcomes(errors=1)
    forced.stdout.fnmatch_lines(["*refused the capture subscription to '>'*"])


def test_capture_mode_option_is_checked(contract_pytester: pytest.Pytester) -> None:
    contract_pytester.makepyfile(test_x="def test_x():\n    pass\n")
    result = contract_pytester.runpytest(
        "--asyncapi", "user-signup-3.0.yaml", "--asyncapi-nats-capture", "some"
    )
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(
        ["*--asyncapi-nats-capture: 'some' is not valid; choose one of auto, all, declared*"]
    )


def test_a_malformed_frame_is_one_invalid_message_and_the_session_goes_on(
    contract_pytester: pytest.Pytester, server: NatsServer, tmp_path: Path
) -> None:
    contract_pytester.makepyfile(
        test_frames="""
        import socket
        from publisher import publish, GOOD, HEADERS
        from tests.support.nats_servers import RUNNING

        def test_bad_frame():
            with socket.create_connection(("127.0.0.1", RUNNING["plugin"].port)) as peer:
                peer.recv(65536)
                peer.sendall(b'CONNECT {"user":"svc","pass":"svc","headers":true}\\r\\n')
                block = b"NATS/1.0\\r\\nnocolon\\r\\n\\r\\n"
                peer.sendall(b"HPUB user/signedup %d %d\\r\\n%s{}\\r\\nPING\\r\\n"
                             % (len(block), len(block) + 2, block))
                answer = b""
                while not answer.endswith(b"PONG\\r\\n"):  # the server has the frame
                    chunk = peer.recv(64)
                    assert chunk, f"connection closed after {answer!r}"
                    answer += chunk

        def test_next():
            publish("user/signedup", GOOD, HEADERS)
        """
    )
    result = _run(contract_pytester, server.url_for("svc", "svc"))
    result.assert_outcomes(passed=1, failed=1)
    result.stdout.fnmatch_lines(["*_ test_bad_frame _*", "*header line without ':'*"])
