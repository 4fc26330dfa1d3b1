"""pytest glue: options, fixtures, markers, hooks. Thin and import-light.

Nothing beyond pytest and the stdlib is imported unless ``--asyncapi`` is given.
"""

from __future__ import annotations

import contextlib
from typing import TYPE_CHECKING, Any, Literal

import pytest

from pytest_asyncapi.options import Option, SettingsError
from pytest_asyncapi.plugin.settings import Settings, all_options, read_settings

if TYPE_CHECKING:
    from collections.abc import Generator
    from pathlib import Path

    from pytest_asyncapi.plugin.fixtures import AsyncAPIFixture
    from pytest_asyncapi.plugin.session import BrokerInfo, ContractSession

SETTINGS = pytest.StashKey[Settings | None]()
SESSION = pytest.StashKey["ContractSession"]()
MARKER = "asyncapi"
SECTION = "AsyncAPI contract"


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("asyncapi", "AsyncAPI contract testing")
    for option in all_options():
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
        ini_type: Literal["bool", "linelist", "string"] = (
            "bool"
            if option.kind == "bool"
            else "linelist"
            if option.kind == "linelist"
            else "string"
        )
        parser.addini(option.ini, option.help, type=ini_type, default=option.default)


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

    def base(self, option: Option) -> tuple[Path, str]:
        """Where ``option``'s relative paths are read from, and how an error says so: the
        folder pytest was started in (as for ``--junitxml``), or the ini file's folder."""
        if self.config.getoption(option.dest) is not None:
            folder = self.config.invocation_params.dir
            return folder, f"{option.flag} paths are read from the folder pytest ran in, {folder}"
        inipath = self.config.inipath
        if inipath is None:
            folder = self.config.rootpath
            return folder, f"{option.ini} paths are read from the rootdir, {folder}"
        folder = inipath.parent
        return folder, f"{option.ini} paths in {inipath} are read from its folder, {folder}"


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers",
        f"{MARKER}(strict=None, must_see=()): per-test AsyncAPI contract options: strict "
        "(bool) overrides --asyncapi-strict; must_see lists channels that must carry at "
        "least one message during the test",
    )
    from pytest_asyncapi.masking import mask

    try:
        settings = read_settings(_Getter(config), config.rootpath)
    except SettingsError as error:
        raise pytest.UsageError(mask(str(error))) from None
    config.stash[SETTINGS] = settings
    if settings is None:
        return
    if settings.broker == "url" and config.getoption("numprocesses", None):
        raise pytest.UsageError(
            "--asyncapi-broker URL cannot be shared by pytest-xdist workers: each would capture "
            "the others' messages; use --asyncapi-broker auto, local or container (one broker "
            "per worker), or run without -n"
        )
    from pytest_asyncapi import collector

    with collector.long_lived():  # imports and a loaded document: long-lived objects only
        from pytest_asyncapi.errors import SpecError
        from pytest_asyncapi.plugin.session import ContractSession

        try:
            # pytest's cache keeps official-schema check results (absent: -p no:cacheprovider)
            session = ContractSession(settings, check_cache=getattr(config, "cache", None))
        except (SpecError, SettingsError) as error:
            raise pytest.UsageError(mask(f"--asyncapi: {error}")) from None
    config.stash[SESSION] = session
    config.pluginmanager.register(_Collector(session), name="asyncapi-collector")
    if config.pluginmanager.hasplugin("html"):
        from pytest_asyncapi.plugin.html_glue import SummarySection

        config.pluginmanager.register(SummarySection(session), name="asyncapi-pytest-html")


def _session(config: pytest.Config) -> ContractSession | None:
    return config.stash.get(SESSION, None)


def pytest_report_header(config: pytest.Config) -> list[str] | None:
    session = _session(config)
    if session is None:
        return None
    from pytest_asyncapi.masking import mask

    settings = session.settings
    broker = mask(settings.broker_url or settings.broker)
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
    the test errors cleanly in setup and its teardown still works. It is the one error shown:
    the plugin's fixtures failing for the same reason add nothing.
    """
    __tracebackhide__ = True
    session = _session(item.config)
    if session is None:
        return (yield)
    from pytest_asyncapi.plugin.windows import open_window, setup_failure

    problem = open_window(session, item)
    if problem is None:
        return (yield)
    with contextlib.suppress(Exception):  # the fixtures failed on the same problem
        yield
    setup_failure(problem)
    return None


@pytest.hookimpl(wrapper=True)
def pytest_runtest_call(item: pytest.Item) -> Generator[None, None, None]:
    """After the test body: drain, judge, and fail the test that broke the contract."""
    session = _session(item.config)
    if session is None or session.recorder is None:
        return (yield)
    from pytest_asyncapi.plugin.windows import close_window

    try:
        result = yield
    except BaseException:
        close_window(session, item, failed_already=True)
        raise
    close_window(session, item, failed_already=False)
    return result


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Any:
    """Put the window's record on the report: xdist ships it to the controller."""
    report = yield
    if _session(item.config) is not None:
        from pytest_asyncapi.plugin.windows import take_record

        record = take_record(item, report.when)
        if record is not None:
            report.asyncapi = record
            if item.config.pluginmanager.hasplugin("html"):
                from pytest_asyncapi.plugin.html_glue import add_extras

                add_extras(report, record)
    return report


class _Collector:
    """Merges the records that reports carry (in the controller under xdist, else in process)."""

    def __init__(self, session: ContractSession) -> None:
        self.session = session

    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        record = getattr(report, "asyncapi", None)
        if record is not None:
            self.session.results.add(record)

    @pytest.hookimpl(optionalhook=True)
    def pytest_testnodedown(self, node: Any, error: Any) -> None:
        """An xdist worker is done: merge what arrived after its last test."""
        output = getattr(node, "workeroutput", {}).get("asyncapi")
        if output:
            self.session.absorb_worker(output)


@pytest.fixture(scope="session")
def asyncapi_broker(pytestconfig: pytest.Config) -> BrokerInfo:
    """Where the broker is: ``.url``, ``.protocol`` (``.servers`` for Kafka bootstrap)."""
    __tracebackhide__ = True
    session = _require(pytestconfig)
    session.start()
    assert session.info is not None
    return session.info


@pytest.fixture
def asyncapi(pytestconfig: pytest.Config) -> AsyncAPIFixture:
    """This test's captured messages, ``expect(...)`` and ``publish(...)``."""
    __tracebackhide__ = True
    from pytest_asyncapi.plugin.fixtures import AsyncAPIFixture

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
    if session is None or not session.ran_tests:
        return
    from pytest_asyncapi.reporting.terminal import render_summary

    terminalreporter.section(SECTION)
    for line in render_summary(
        session.specs, session.results, session.route_labels(), session.consumers
    ):
        terminalreporter.write_line(line)
    for line in session.verdict_lines():
        terminalreporter.write_line(
            line, red=line.startswith("FAILED"), yellow=line.startswith("WARNING")
        )
    for line in session.broker_lines():
        terminalreporter.write_line(line)


@pytest.hookimpl(trylast=True)
def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    contract = _session(session.config)
    if contract is None:
        return
    worker_output = getattr(session.config, "workeroutput", None)
    try:
        contract.finish(worker_output)
    finally:
        contract.close()
    if worker_output is None and contract.ran_tests:
        contract.write_reports()
        if contract.fails_run() and exitstatus == pytest.ExitCode.OK:
            session.exitstatus = pytest.ExitCode.TESTS_FAILED
