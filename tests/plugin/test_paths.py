"""Relative paths: the command line's from the folder pytest runs in (like --junitxml), the ini
file's from the ini file's folder; an error says which folder a relative path was read from."""

from __future__ import annotations

import json
import shutil
from typing import TYPE_CHECKING

import pytest
import yaml

from tests.support.plugin_runs import SAMPLES

if TYPE_CHECKING:
    from pathlib import Path

TEST = "def test_x(asyncapi):\n    pass\n"


def spec_titled(path: Path, title: str) -> None:
    document = yaml.safe_load((SAMPLES / "user-signup-3.0.yaml").read_text())
    document["info"]["title"] = title
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(document))


@pytest.fixture
def project(pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch) -> Path:
    """``outer/project`` (a pyproject.toml: the rootdir) with ``specs/`` and a ``service/``
    subfolder to run from; ``outer/specs`` holds a decoy of the same relative name."""
    monkeypatch.delenv("NATS_URL", raising=False)
    monkeypatch.delenv("ASYNCAPI_BROKER", raising=False)
    root = pytester.path / "outer" / "project"
    spec_titled(root / "specs" / "orders.yaml", "The Right One")
    spec_titled(pytester.path / "outer" / "specs" / "orders.yaml", "A Decoy")
    (root / "pyproject.toml").write_text(
        "[tool.pytest.ini_options]\nasyncio_default_fixture_loop_scope = 'function'\n"
    )
    (root / "service").mkdir()
    (root / "service" / "test_x.py").write_text(TEST)
    monkeypatch.chdir(root / "service")
    return root


def test_command_line_paths_are_read_from_the_invocation_folder(
    pytester: pytest.Pytester, project: Path
) -> None:
    result = pytester.runpytest(
        *("--asyncapi", "../specs/orders.yaml", "--asyncapi-broker", "local"),
        *("--asyncapi-report-json", "out/report.json", "-p", "no:cacheprovider"),
    )
    result.assert_outcomes(passed=1)
    result.stdout.fnmatch_lines(["*The Right One*"])
    assert "A Decoy" not in result.stdout.str()
    assert (project / "service" / "out" / "report.json").is_file()


def test_a_missing_command_line_path_names_the_folder_it_was_read_from(
    pytester: pytest.Pytester, project: Path
) -> None:
    result = pytester.runpytest("--asyncapi", "orders.yaml")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    service = project / "service"
    result.stderr.fnmatch_lines(
        [
            f"*no such file: {service / 'orders.yaml'} (--asyncapi paths are read from the "
            f"folder pytest ran in, {service})*"
        ]
    )


def test_ini_paths_are_read_from_the_ini_files_folder(
    pytester: pytest.Pytester, project: Path
) -> None:
    conf = project / "conf"
    conf.mkdir()
    shutil.copy(project / "specs" / "orders.yaml", conf / "orders.yaml")
    (conf / "pytest.ini").write_text(
        "[pytest]\nasyncapi_specs = orders.yaml\nasyncapi_broker = local\n"
        "asyncapi_report_json = reports/contract.json\n"
        "asyncio_default_fixture_loop_scope = function\n"
    )
    result = pytester.runpytest(
        "-c", str(conf / "pytest.ini"), "--rootdir", str(project), "-p", "no:cacheprovider", "."
    )
    result.assert_outcomes(passed=1)
    assert (conf / "reports" / "contract.json").is_file()
    (conf / "pytest.ini").write_text(
        "[pytest]\nasyncapi_specs = nope.yaml\nasyncio_default_fixture_loop_scope = function\n"
    )
    missing = pytester.runpytest("-c", str(conf / "pytest.ini"), "--rootdir", str(project))
    assert missing.ret == pytest.ExitCode.USAGE_ERROR
    missing.stderr.fnmatch_lines(
        [
            f"*no such file: {conf / 'nope.yaml'} (asyncapi_specs paths in {conf / 'pytest.ini'} "
            f"are read from its folder, {conf})*"
        ]
    )
