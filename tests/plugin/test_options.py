"""Options, ini twins, usage errors, the header, and zero cost when the plugin is off."""

from __future__ import annotations

import pytest


def test_bad_broker_value_lists_valid_choices(contract_pytester: pytest.Pytester) -> None:
    result = contract_pytester.runpytest(
        "--asyncapi", "user-signup-3.0.yaml", "--asyncapi-broker", "rabbit"
    )
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(["*'rabbit' is not valid; choose one of auto, container, local*"])


def test_env_override_is_checked_too(
    contract_pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("ASYNCAPI_BROKER", "stomp://x")
    result = contract_pytester.runpytest("--asyncapi", "user-signup-3.0.yaml")
    assert result.ret == pytest.ExitCode.USAGE_ERROR


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--asyncapi", "missing.yaml"], "*no such file: *missing.yaml*"),
        (
            ["--asyncapi", "user-signup-3.0.yaml", "--asyncapi-settle-ms", "soon"],
            "*--asyncapi-settle-ms: expected a number*",
        ),
        (
            ["--asyncapi", "user-signup-3.0.yaml", "--asyncapi-protocol", "stomp"],
            "*choose one of nats, kafka, mqtt, amqp*",
        ),
        (
            ["--asyncapi", "user-signup-3.0.yaml", "--asyncapi-destination", "nope=a.b"],
            "*unknown channel(s) nope*",
        ),
        (
            ["--asyncapi", "user-signup-3.0.yaml", "--asyncapi-nats-creds", "none.creds"],
            "*--asyncapi-nats-creds: no such file: *none.creds*",
        ),
        (
            ["--asyncapi", "user-signup-3.0.yaml", "--asyncapi-nats-user", "alice"],
            "*--asyncapi-nats-user needs --asyncapi-nats-password too*",
        ),
        (
            ["--asyncapi", "user-signup-3.0.yaml", "--asyncapi-nats-stream", "ORDERS"],
            "*--asyncapi-nats-stream: expected NAME=SUBJECT[[],SUBJECT[]]*",
        ),
        (
            ["--asyncapi", "user-signup-3.0.yaml", "--asyncapi-nats-stream", "a.b=orders.>"],
            "*stream name free of spaces, '.', '[*]' and '>'*",
        ),
    ],
)
def test_usage_errors(contract_pytester: pytest.Pytester, args: list[str], message: str) -> None:
    result = contract_pytester.runpytest(*args)
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines([message])


def test_broken_spec_is_a_usage_error_naming_file_and_line(
    contract_pytester: pytest.Pytester,
) -> None:
    contract_pytester.path.joinpath("broken.yaml").write_text("asyncapi: 3.0.0\ninfo: [\n")
    result = contract_pytester.runpytest("--asyncapi", "broken.yaml")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(["*broken.yaml:*"])


def test_ini_twins_turn_the_plugin_on(contract_pytester: pytest.Pytester) -> None:
    contract_pytester.makeini(
        "[pytest]\nasyncapi_specs = user-signup-3.0.yaml\nasyncapi_broker = local\n"
        "asyncapi_strict = true\nasyncio_default_fixture_loop_scope = function\n"
    )
    contract_pytester.makepyfile(test_x="def test_x(asyncapi_broker):\n    pass\n")
    result = contract_pytester.runpytest("-p", "no:cacheprovider")
    result.assert_outcomes(passed=1)
    result.stdout.fnmatch_lines(["asyncapi: 1 spec(s), nats broker: local, strict: on"])


def test_header_absent_and_nothing_heavy_imported_when_off(
    contract_pytester: pytest.Pytester,
) -> None:
    contract_pytester.makepyfile(
        test_light="""
        import sys

        def test_nothing_loaded():
            heavy = [m for m in ("pytest_asyncapi.spec.loader", "jsonschema_rs", "jsonschema",
                                 "yaml", "orjson", "nats", "aiokafka", "testcontainers")
                     if m in sys.modules]
            assert heavy == []
        """
    )
    result = contract_pytester.runpytest_subprocess()
    result.assert_outcomes(passed=1)
    assert "asyncapi:" not in result.stdout.str()


def test_fixture_without_the_plugin_on_says_how_to_turn_it_on(
    contract_pytester: pytest.Pytester,
) -> None:
    contract_pytester.makepyfile(test_x="def test_x(asyncapi):\n    pass\n")
    result = contract_pytester.runpytest()
    result.assert_outcomes(errors=1)
    result.stdout.fnmatch_lines(["*run pytest with --asyncapi SPEC*"])


def test_collect_only_starts_no_broker(contract_pytester: pytest.Pytester) -> None:
    contract_pytester.makepyfile(test_x="def test_x():\n    pass\n")
    result = contract_pytester.runpytest(
        "--asyncapi", "user-signup-3.0.yaml", "--asyncapi-broker", "nats://127.0.0.1:1", "--co"
    )
    assert result.ret == pytest.ExitCode.OK


def test_url_refs_through_the_plugin_options(contract_pytester: pytest.Pytester) -> None:
    contract_pytester.path.joinpath("remote.yaml").write_text(
        "asyncapi: 3.0.0\ninfo: {title: t, version: '1'}\n"
        "servers: {local: {host: 'localhost:4222', protocol: nats}}\n"
        "channels:\n  c:\n    address: a.b\n    messages:\n      m:\n        payload:\n"
        "          $ref: 'https://schemas.example.com/events/user.json'\n"
    )
    mirror = contract_pytester.mkdir("mirror")
    mirror.joinpath("user.json").write_text('{"type": "object"}')
    contract_pytester.makepyfile(test_x="def test_x():\n    pass\n")
    refused = contract_pytester.runpytest("--asyncapi", "remote.yaml", "--co")
    assert refused.ret == pytest.ExitCode.USAGE_ERROR
    refused.stderr.fnmatch_lines(["*URL references are not followed*", "*--asyncapi-ref-map*"])
    mapped = contract_pytester.runpytest(
        "--asyncapi",
        "remote.yaml",
        "--co",
        "--asyncapi-ref-map",
        f"https://schemas.example.com/events/={mirror}",
    )
    assert mapped.ret == pytest.ExitCode.OK


def test_document_limits_through_the_plugin(contract_pytester: pytest.Pytester) -> None:
    contract_pytester.makepyfile(test_x="def test_x():\n    pass\n")
    small = contract_pytester.runpytest(
        "--asyncapi", "user-signup-3.0.yaml", "--asyncapi-max-bytes", "100", "--co"
    )
    assert small.ret == pytest.ExitCode.USAGE_ERROR
    small.stderr.fnmatch_lines(["*max_bytes=100*", "*--asyncapi-max-bytes N (pytest)*"])
    contract_pytester.makeini(
        "[pytest]\nasyncapi_max_bytes = 1000000\nasyncio_default_fixture_loop_scope = function\n"
    )
    fine = contract_pytester.runpytest("--asyncapi", "user-signup-3.0.yaml", "--co")
    assert fine.ret == pytest.ExitCode.OK
    bad = contract_pytester.runpytest(
        "--asyncapi", "user-signup-3.0.yaml", "--asyncapi-max-depth", "zero"
    )
    assert bad.ret == pytest.ExitCode.USAGE_ERROR
    bad.stderr.fnmatch_lines(["*--asyncapi-max-depth: expected a number*"])
