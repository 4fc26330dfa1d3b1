"""pytest glue: options, fixtures, markers, hooks. Thin and import-light.

Nothing beyond pytest and the stdlib is imported unless ``--asyncapi`` is given.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import pytest

from pytest_asyncapi.settings import OPTIONS, Option, Settings, SettingsError, read_settings

if TYPE_CHECKING:
    from collections.abc import Generator

    from pytest_asyncapi.fixture_api import AsyncAPIFixture
    from pytest_asyncapi.results import TestOutcome
    from pytest_asyncapi.session import BrokerInfo, ContractSession

SETTINGS = pytest.StashKey[Settings | None]()
SESSION = pytest.StashKey["ContractSession"]()
MARKER = "asyncapi"
MARKER_ARGS = ("strict", "must_see")
SECTION = "AsyncAPI contract"


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("asyncapi", "AsyncAPI contract testing")
    for option in OPTIONS:
        if option.kind == "bool":
            group.addoption(
                option.flag,
                action="store_true",
                default=None,
                dest=option.dest,
                help=option.help + f" [ini: {option.ini}]",
            )
        elif option.kind == "linelist":
            group.addoption(
                option.flag,
                action="append",
                default=None,
                dest=option.dest,
                metavar=option.metavar,
                help=option.help + f" [ini: {option.ini}]",
            )
        else:
            group.addoption(
                option.flag,
                default=None,
                dest=option.dest,
                metavar=option.metavar,
                help=option.help + f" [ini: {option.ini}]",
            )
        ini_type = {"bool": "bool", "linelist": "linelist"}.get(option.kind, "string")
        parser.addini(option.ini, option.help, type=ini_type, default=option.default)  # type: ignore[arg-type]


class _Getter:
    """Reads one option: the command line when given, else its ini twin."""

    def __init__(self, config: pytest.Config) -> None:
        self.config = config

    def __call__(self, option: Option) -> Any:
        value = self.config.getoption(option.dest)
        if value is not None:
            return value
        return self.config.getini(option.ini)

    def explicit(self, ini: str) -> bool:
        return self.config.getoption(ini) is not None


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers",
        f"{MARKER}(strict=None, must_see=()): per-test AsyncAPI contract options: strict "
        "(bool) overrides --asyncapi-strict; must_see lists channels that must carry at "
        "least one message during the test",
    )
    try:
        settings = read_settings(_Getter(config), config.rootpath)
    except SettingsError as error:
        raise pytest.UsageError(str(error)) from None
    config.stash[SETTINGS] = settings
    if settings is None:
        return
    from pytest_asyncapi.errors import SpecError
    from pytest_asyncapi.session import ContractSession

    try:
        config.stash[SESSION] = ContractSession(settings)
    except (SpecError, SettingsError) as error:
        raise pytest.UsageError(f"--asyncapi: {error}") from None


def _session(config: pytest.Config) -> ContractSession | None:
    return config.stash.get(SESSION, None)


def pytest_report_header(config: pytest.Config) -> list[str] | None:
    session = _session(config)
    if session is None:
        return None
    settings = session.settings
    broker = settings.broker_url or settings.broker
    lines = [
        f"asyncapi: {len(session.specs)} spec(s), {session.protocol} broker: {broker}, "
        f"strict: {'on' if settings.strict else 'off'}"
    ]
    findings = session.findings()
    if findings:
        lines.append(f"asyncapi: {len(findings)} document finding(s) (lenient: warnings):")
        lines += [f"  {f}" for f in findings[:20]]
    return lines


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_setup(item: pytest.Item) -> Generator[None, None, None]:
    """Open the test's capture window before any fixture runs.

    A problem (bad marker, broker unavailable) is raised after the other setup hooks ran, so
    the test errors cleanly in setup and its teardown still works.
    """
    session = _session(item.config)
    if session is None:
        return (yield)
    from pytest_asyncapi.errors import AsyncAPIContractError

    problem: Exception | None = None
    try:
        _check_marker(item)
        session.start().begin_test(item.nodeid)
    except (pytest.UsageError, AsyncAPIContractError) as error:
        problem = error
    result = yield
    if problem is not None:
        raise problem
    return result


@pytest.hookimpl(wrapper=True)
def pytest_runtest_call(item: pytest.Item) -> Generator[None, None, None]:
    session = _session(item.config)
    if session is None or session.recorder is None:
        return (yield)
    try:
        result = yield
    except BaseException:
        _attach(item, _end_test(session), session, failed_already=True)
        raise
    _attach(item, _end_test(session), session, failed_already=False)
    return result


def _end_test(session: ContractSession) -> TestOutcome:
    """Drain and judge; a lost broker fails the test with the broker's own message."""
    from pytest_asyncapi.errors import BrokerError

    assert session.recorder is not None
    try:
        return session.recorder.end_test()
    except BrokerError as error:
        session.failure = str(error).splitlines()[0]
        pytest.fail(f"AsyncAPI capture failed: {error}", pytrace=False)


def _attach(
    item: pytest.Item, outcome: Any, session: ContractSession, *, failed_already: bool
) -> None:
    from pytest_asyncapi.reporting.terminal import render_test_failure

    strict = _marker_value(item, "strict", session.settings.strict)
    text = render_test_failure(outcome, strict=bool(strict))
    missing = _missing_channels(item, outcome)
    if missing:
        text = (text + "\n" if text else "") + missing
    if text is None:
        return
    if failed_already:
        item.add_report_section("call", "asyncapi", text)
        return
    pytest.fail(text, pytrace=False)


def _missing_channels(item: pytest.Item, outcome: Any) -> str | None:
    wanted = _marker_value(item, "must_see", ())
    if not wanted:
        return None
    seen = {v.channel for v in outcome.verdicts} | {
        v.captured.destination for v in outcome.verdicts
    }
    missing = [c for c in wanted if c not in seen]
    if not missing:
        return None
    return f"must_see: no message on channel(s) {', '.join(map(repr, missing))} during this test"


def _check_marker(item: pytest.Item) -> None:
    for marker in item.iter_markers(MARKER):
        unknown = sorted(set(marker.kwargs) - set(MARKER_ARGS))
        if unknown or marker.args:
            raise pytest.UsageError(
                f"{item.nodeid}: @pytest.mark.asyncapi takes keyword arguments "
                f"{', '.join(MARKER_ARGS)}; got {', '.join(unknown) or 'positional arguments'}"
            )


def _marker_value(item: pytest.Item, name: str, default: Any) -> Any:
    for marker in item.iter_markers(MARKER):
        if name in marker.kwargs:
            return marker.kwargs[name]
    return default


@pytest.fixture(scope="session")
def asyncapi_broker(pytestconfig: pytest.Config) -> BrokerInfo:
    """Where the broker is: ``.url``, ``.protocol`` (``.servers`` for Kafka bootstrap)."""
    session = _require(pytestconfig)
    session.start()
    assert session.info is not None
    return session.info


@pytest.fixture
def asyncapi(pytestconfig: pytest.Config) -> AsyncAPIFixture:
    """This test's captured messages, ``expect(...)`` and ``publish(...)``."""
    from pytest_asyncapi.fixture_api import AsyncAPIFixture

    session = _require(pytestconfig)
    return AsyncAPIFixture(session.start())


def _require(config: pytest.Config) -> ContractSession:
    session = _session(config)
    if session is None:
        raise pytest.UsageError(
            "the asyncapi fixtures need the plugin on: run pytest with --asyncapi SPEC "
            "(or set asyncapi_specs in the ini file)"
        )
    return session


def pytest_terminal_summary(terminalreporter: Any, config: pytest.Config) -> None:
    session = _session(config)
    if session is None or session.recorder is None:
        return
    from pytest_asyncapi.reporting.terminal import render_summary

    terminalreporter.section(SECTION)
    for line in render_summary(session.specs, session.recorder.results, session.route_labels()):
        terminalreporter.write_line(line)
    if session.broker is not None:
        terminalreporter.write_line(f"broker: {session.broker.description}")
        for reason in session.broker.fallbacks:
            terminalreporter.write_line(f"  (auto skipped: {reason})")
    if session.failure:
        terminalreporter.write_line(f"broker lost during the session: {session.failure}", red=True)


@pytest.hookimpl(trylast=True)
def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    contract = _session(session.config)
    if contract is None:
        return
    from pytest_asyncapi.errors import BrokerError

    try:
        if contract.recorder is not None:
            contract.recorder.finish()
            stray = any(o.violations for o in contract.recorder.results.between_tests)
            if stray and exitstatus == pytest.ExitCode.OK:
                session.exitstatus = pytest.ExitCode.TESTS_FAILED
    except BrokerError as error:
        contract.failure = str(error).splitlines()[0]
    finally:
        contract.close()
