"""The pre-commit hooks: each entry runs a real command; ``diff`` against a base git ref."""

from __future__ import annotations

import shlex
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml

from pytest_asyncapi.cli import main as cli
from pytest_asyncapi.cli import precommit
from tests.support.codegen import ROOT, SAMPLES

HOOKS = yaml.safe_load((ROOT / ".pre-commit-hooks.yaml").read_text(encoding="utf-8"))


def _git(repo: Path, *argv: str) -> None:
    subprocess.run(
        ["git", "-c", "user.name=t", "-c", "user.email=t@example.com", *argv],
        cwd=repo,
        check=True,
        capture_output=True,
    )


@pytest.fixture
def repo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    _git(tmp_path, "init", "-q", "-b", "main")
    shutil.copy(SAMPLES / "user-signup-3.0.yaml", tmp_path / "asyncapi.yaml")
    _git(tmp_path, "add", "asyncapi.yaml")
    _git(tmp_path, "commit", "-q", "-m", "base")
    monkeypatch.chdir(tmp_path)
    return tmp_path


def test_hooks_name_real_commands() -> None:
    assert [h["id"] for h in HOOKS] == [
        "asyncapi-validate",
        "asyncapi-diff",
        "asyncapi-codegen-check",
    ]
    parser = cli._parser()
    for hook in HOOKS:
        entry = shlex.split(hook["entry"])
        if entry[0] == "asyncapi-contract":
            with pytest.raises(SystemExit) as info:  # --help of the subcommand exists
                parser.parse_args([entry[1], "--help"])
            assert info.value.code == 0
        else:
            assert entry[:3] == ["python", "-m", "pytest_asyncapi.cli.precommit"]


def test_validate_hook_entry_passes_a_valid_document(repo: Path) -> None:
    assert cli.main(["validate", "asyncapi.yaml"]) == 0


def test_diff_hook_fails_on_a_breaking_change(
    repo: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    document = repo / "asyncapi.yaml"
    text = document.read_text(encoding="utf-8")
    document.write_text(text.replace("        - displayName\n", "", 1), encoding="utf-8")
    assert precommit.main(["diff", "--base", "main", "asyncapi.yaml"]) == 1
    assert "displayName" in capsys.readouterr().out


def test_diff_hook_passes_a_compatible_change_and_skips_new_files(repo: Path) -> None:
    document = repo / "asyncapi.yaml"
    text = document.read_text(encoding="utf-8")
    document.write_text(
        text.replace("Identifier of the new user.", "The user's id."), encoding="utf-8"
    )
    shutil.copy(SAMPLES / "orders-kafka.yaml", repo / "orders-asyncapi.yaml")
    assert precommit.main(["diff", "--base", "main", "asyncapi.yaml", "orders-asyncapi.yaml"]) == 0


def test_diff_hook_names_an_unknown_base(repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert precommit.main(["diff", "--base", "no-such-ref", "asyncapi.yaml"]) == 2
    assert "pass --base REF" in capsys.readouterr().out


def test_codegen_check_hook_entry(repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    argv = ["codegen", "--check", "asyncapi.yaml", "--out", "src", "--package", "users"]
    assert cli.main(argv) == 1  # nothing generated yet
    assert cli.main([argv[0], *argv[2:]]) == 0
    assert cli.main(argv) == 0
    capsys.readouterr()
