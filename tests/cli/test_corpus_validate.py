"""``asyncapi-contract validate --strict`` on the real-world corpus, run from the corpus folder
(the CLI's project root) with its URL map: every document the official parser accepts passes,
except one whose examples really break its own schemas (shown below, finding by finding)."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest
import yaml

from tests.support.corpus import CORPUS

# The documents the official parser (and schema) refuses; SOURCES.md of the corpus says why.
OFFICIALLY_INVALID = {
    "asyncapi-spec-json-schemas/test/docs/3.0.0/streetlights-all.json",
    "asyncapi-spec-v3.0.0/examples/adeo-kafka-request-reply-asyncapi.yml",
    "microcks/commons/util/src/test/resources/io/github/microcks/util/asyncapi/"
    "user-signedup-avro-ref-asyncapi.yaml",
    "microcks/webapp/src/test/resources/io/github/microcks/util/asyncapi/"
    "api-maintenance.async-api-spec-ws.yaml",
    "microcks/webapp/src/test/resources/io/github/microcks/util/asyncapi/"
    "user-signedup-asyncapi-3.0-avro-ref.yaml",
    "microcks/webapp/src/test/resources/io/github/microcks/util/asyncapi/"
    "user-signedup-cloudevents-binary.yaml",
}
# Accepted by the official parser (it does not check 3.x message examples), yet both examples of
# `subscriptionStatus` give `pair` as a string where the schema says `type: array`, and a
# `status` (`unsubscribed`, `error`) that is not in the `status` enum; the second one's
# `depth: 42` is not in the `depth` enum (tests/replies/test_model_and_expressions.py fixes
# all three and the examples validate).
KRAKEN = (
    "asyncapi-spec-v3.0.0/examples/"
    "kraken-websocket-request-reply-message-filter-in-reply-asyncapi.yml"
)

STATUS = "/channels/currencyExchange/messages/subscriptionStatus"


def _documents() -> list[str]:
    if not CORPUS.is_dir():
        return []
    found = []
    for path in sorted(CORPUS.rglob("*")):
        if path.suffix not in (".yaml", ".yml", ".json") or path.name == "URL_MAP.json":
            continue
        text = path.read_text()
        data = json.loads(text) if path.suffix == ".json" else yaml.safe_load(text)
        if isinstance(data, dict) and "asyncapi" in data:
            found.append(path.relative_to(CORPUS).as_posix())
    return found


DOCUMENTS = _documents()
ACCEPTED = [d for d in DOCUMENTS if d not in OFFICIALLY_INVALID]
pytestmark = pytest.mark.skipif(not DOCUMENTS, reason=f"corpus not found at {CORPUS}")


def _validate(name: str) -> subprocess.CompletedProcess[str]:
    url_map = json.loads((CORPUS / "URL_MAP.json").read_text())
    maps = [
        arg
        for url, target in url_map.items()
        if "://" in url
        for arg in ("--ref-map", f"{url.rsplit('/', 1)[0]}/={(CORPUS / target).parent}")
    ]
    return subprocess.run(
        [sys.executable, "-m", "pytest_asyncapi", "validate", "--strict", "--json", *maps, name],
        cwd=CORPUS,
        capture_output=True,
        text=True,
        check=False,
    )


@pytest.mark.parametrize("name", ACCEPTED or ["none"])
def test_officially_valid_documents_pass_strict_validation(name: str) -> None:
    done = _validate(name)
    findings = json.loads(done.stdout)["documents"][0].get("findings", []) if done.stdout else []
    if name == KRAKEN:
        assert done.returncode == 1
        assert [(f["rule"], f["pointer"]) for f in findings] == [
            ("invalid-example", f"{STATUS}/examples/0/payload"),
            ("invalid-example", f"{STATUS}/examples/1/payload"),
        ]
        return
    assert done.returncode == 0, done.stdout + done.stderr


def test_the_corpus_counts() -> None:
    assert len(DOCUMENTS) == 40
    assert len(ACCEPTED) == 34
