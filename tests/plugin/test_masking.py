"""Credentials in a broker URL never reach an output: header, summary, reports, errors, record.

A real nats-server that requires a password; the URL given to the plugin carries it.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from pytest_asyncapi.masking import mask
from tests.support.auth_nats import PASSWORD, USER, nats_with_password

if TYPE_CHECKING:
    from collections.abc import Iterator

CLI = str(Path(sys.executable).parent / "asyncapi-contract")
GOOD_AND_BAD = """
from publisher import publish, GOOD, HEADERS

def test_good():
    publish("user/signedup", GOOD, HEADERS)

def test_bad():
    publish("user/signedup", {**GOOD, "email": "nope"}, HEADERS)
"""


@pytest.fixture(scope="module")
def port() -> Iterator[int]:
    with nats_with_password() as port:
        yield port


@pytest.mark.parametrize(
    ("text", "shown"),
    [
        ("nats://bob:secret@h:4222", "nats://bob:***@h:4222"),
        ("nats://s3cr3t-token@h:4222", "nats://***@h:4222"),
        ("tls://a:b%40c@h:1,nats://a:b@g:2", "tls://a:***@h:1,nats://a:***@g:2"),
        ("lost 'nats://u:p@w@h:1' (x)", "lost 'nats://u:***@h:1' (x)"),
        ("http://h/x?token=abc&b=1", "http://h/x?token=***&b=1"),
        ("nats://h:4222 and ada@example.com", "nats://h:4222 and ada@example.com"),
    ],
)
def test_mask(text: str, shown: str) -> None:
    assert mask(text) == shown


def test_password_is_masked_in_header_summary_and_reports(
    contract_pytester: pytest.Pytester, port: int
) -> None:
    contract_pytester.makepyfile(test_service=GOOD_AND_BAD)
    url = f"nats://{USER}:{PASSWORD}@127.0.0.1:{port}"
    result = contract_pytester.runpytest(
        "--asyncapi",
        "user-signup-3.0.yaml",
        "--asyncapi-broker",
        url,
        "--asyncapi-report-json",
        "out/report.json",
        "--asyncapi-report-html",
        "out/report.html",
        "-p",
        "no:cacheprovider",
    )
    result.assert_outcomes(passed=1, failed=1)  # the password worked: traffic was captured
    shown = f"nats://{USER}:***@127.0.0.1:{port}"
    result.stdout.fnmatch_lines([f"asyncapi: * broker: {shown}*", f"broker: given URL {shown}"])
    outputs = {
        "terminal": result.stdout.str() + result.stderr.str(),
        "json": (contract_pytester.path / "out/report.json").read_text(),
        "html": (contract_pytester.path / "out/report.html").read_text(),
    }
    for name, text in outputs.items():
        assert PASSWORD not in text, name
        assert shown in text, name


def test_password_is_masked_in_connect_errors(
    contract_pytester: pytest.Pytester, port: int
) -> None:
    contract_pytester.makepyfile(test_x="def test_x(asyncapi):\n    pass\n")
    result = contract_pytester.runpytest(
        "--asyncapi",
        "user-signup-3.0.yaml",
        "--asyncapi-broker",
        f"nats://{USER}:wrong-{PASSWORD}@127.0.0.1:{port}",
        "-p",
        "no:cacheprovider",
    )
    result.assert_outcomes(errors=1)
    text = result.stdout.str() + result.stderr.str()
    assert "uthorization" in text  # the server's refusal is shown...
    assert PASSWORD not in text  # ...without the password
    assert f"{USER}:***@" in text


def test_password_is_masked_in_record_output(contract_pytester: pytest.Pytester, port: int) -> None:
    url = f"nats://{USER}:{PASSWORD}@127.0.0.1:{port}"
    done = subprocess.run(
        [
            *(CLI, "record"),
            *("user-signup-3.0.yaml", "--broker", url, "--duration", "0.2"),
        ],
        cwd=contract_pytester.path,
        capture_output=True,
        text=True,
        timeout=60,
    )
    text = done.stdout + done.stderr
    assert "recording from nats://bob:***@127.0.0.1" in text, text
    assert PASSWORD not in text
    wrong = subprocess.run(
        [
            *(CLI, "record", "user-signup-3.0.yaml"),
            *("--broker", url.replace(PASSWORD, "wrong-" + PASSWORD), "--duration", "0.2"),
        ],
        cwd=contract_pytester.path,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert wrong.returncode != 0
    assert "bob:***@" in wrong.stderr
    assert PASSWORD not in wrong.stdout + wrong.stderr
