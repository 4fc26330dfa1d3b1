"""A generated model edited to drift from the document: ``codegen --check`` fails with a diff,
and ``check-models`` (CLI and pytest helper) fails with a counterexample."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from pytest_asyncapi.cli import main as cli
from pytest_asyncapi.codegen.model_check import assert_model_matches
from pytest_asyncapi.spec.loader import load_spec
from tests.support.codegen import SAMPLES, generate_into, import_package

SPEC = SAMPLES / "user-signup-3.0.yaml"
ORIGINAL = "    displayName: Annotated[str, Field(min_length=1)]\n"
DRIFTED = "    displayName: str\n"


@pytest.fixture(scope="module")
def out(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("drift")
    spec = load_spec(SPEC)
    generate_into(spec, "users_ok", folder)
    generate_into(spec, "users_drifted", folder)
    models = folder / "users_drifted" / "models.py"
    text = models.read_text(encoding="utf-8")
    assert ORIGINAL in text
    models.write_text(text.replace(ORIGINAL, DRIFTED), encoding="utf-8")
    return folder


def test_codegen_check_fails_with_a_diff(out: Path, capsys: pytest.CaptureFixture[str]) -> None:
    argv = ["codegen", str(SPEC), "--out", str(out), "--package", "users_drifted", "--check"]
    assert cli.main(argv) == 1
    printed = capsys.readouterr().out
    assert "users_drifted is stale; run codegen again" in printed
    assert "--- a/users_drifted/models.py" in printed
    assert "-" + DRIFTED in printed
    assert "+" + ORIGINAL in printed


def test_codegen_check_names_a_missing_package(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert (
        cli.main(["codegen", str(SPEC), "--out", str(tmp_path), "--package", "x", "--check"]) == 1
    )
    assert "+++ b/x/models.py" in capsys.readouterr().out


def test_check_models_reports_the_drifted_model_with_a_counterexample(
    out: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    argv = [
        "check-models", str(SPEC), "--path", str(out), "--json",
        "users_ok.models:UserSignedUpPayload=userSignedUp/UserSignedUp",
        "users_drifted.models:UserSignedUpPayload=userSignedUp/UserSignedUp",
        "users_ok.models:DeleteUserPayload=userDelete",
    ]  # fmt: skip
    assert cli.main(argv) == 1
    report = json.loads(capsys.readouterr().out)
    verdicts = {(f["pair"].split(".")[0], f["direction"]): f for f in report["findings"]}
    assert verdicts["users_ok", "produces"]["answer"] == "yes"
    assert verdicts["users_ok", "accepts"]["answer"] == "yes"  # DeleteUser is received
    drifted = verdicts["users_drifted", "produces"]
    assert drifted["answer"] == "no"
    assert drifted["counterexample"]["displayName"] == ""
    assert "minLength" in drifted["reason"]
    assert report["drifted"] == 1


def test_pytest_helper_raises_with_the_counterexample(out: Path) -> None:
    spec = load_spec(SPEC)
    good = import_package(out, "users_ok", "models")
    bad = import_package(out, "users_drifted", "models")
    assert_model_matches(spec, good.UserSignedUpPayload, "userSignedUp")
    with pytest.raises(AssertionError, match=r'counterexample: \{"displayName": ""'):
        assert_model_matches(spec, bad.UserSignedUpPayload, "userSignedUp")
