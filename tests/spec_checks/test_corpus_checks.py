"""Document checks on the real-world corpus: valid documents stay quiet, broken ones are caught.

Expected counts come from reading each finding (see SOURCES.md of the corpus for why the
failing documents fail the official schema).
"""

from __future__ import annotations

import json

import pytest
import yaml

from pytest_asyncapi.errors import RefError
from pytest_asyncapi.spec.loader import build_spec
from pytest_asyncapi.spec.official_schema import official_findings
from pytest_asyncapi.spec.options import LoadOptions
from pytest_asyncapi.spec.refs import acyclic, resolve_document
from pytest_asyncapi.spec.semantic_rules import semantic_findings
from tests.support.corpus import CORPUS

MICROCKS = "microcks/webapp/src/test/resources/io/github/microcks/util/asyncapi/"

OFFICIAL = {
    # kafka binding `key` holds an Avro record; the binding's JSON Schema wants a schema.
    "asyncapi-spec-v3.0.0/examples/adeo-kafka-request-reply-asyncapi.yml": 1,
    # Microcks-style named examples (`- laurent: {...}`), an examples map, no Avro `type`.
    "microcks/commons/util/src/test/resources/io/github/microcks/util/asyncapi/"
    "user-signedup-avro-ref-asyncapi.yaml": 3,
    MICROCKS + "api-maintenance.async-api-spec-ws.yaml": 2,
    # `schemaFormat` on a 3.0 message, and named examples (without `payload`) in a trait.
    MICROCKS + "user-signedup-asyncapi-3.0-avro-ref.yaml": 5,
    MICROCKS + "user-signedup-cloudevents-binary.yaml": 2,
}
SEMANTIC = {
    # Both examples of `subscriptionStatus` give `pair` as a string; the schema wants an array.
    "asyncapi-spec-v3.0.0/examples/"
    "kraken-websocket-request-reply-message-filter-in-reply-asyncapi.yml": 2,
}
UNLOADABLE = {
    # Dangling relative refs on purpose (a schema-validation fixture).
    "asyncapi-spec-json-schemas/test/docs/3.0.0/streetlights-all.json",
}


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


def _options() -> LoadOptions:
    url_map = {}
    for url, target in json.loads((CORPUS / "URL_MAP.json").read_text()).items():
        if not url.startswith("_"):
            url_map[url.rsplit("/", 1)[0] + "/"] = (CORPUS / target).parent
    return LoadOptions(url_map=url_map, root=CORPUS)


DOCUMENTS = _documents()
pytestmark = pytest.mark.skipif(not DOCUMENTS, reason=f"corpus not found at {CORPUS}")


@pytest.mark.parametrize("name", DOCUMENTS or ["none"])
def test_corpus_document_findings(name: str) -> None:
    path = CORPUS / name
    options = _options()
    if name in UNLOADABLE:
        with pytest.raises(RefError):
            resolve_document(path, options)
        return
    resolved = resolve_document(path, options)
    version = str(resolved.root["asyncapi"])
    official = official_findings(acyclic(resolved.root, resolved.origins), version, resolved.locate)
    semantic = semantic_findings(build_spec(path, resolved, options), resolved.locate)
    rendered = "\n".join(f.render() for f in official + semantic)
    assert len(official) == OFFICIAL.get(name, 0), rendered
    assert len(semantic) == SEMANTIC.get(name, 0), rendered
    assert all(f.line is not None for f in official + semantic), rendered


def test_expectations_name_real_documents() -> None:
    assert set(OFFICIAL) | set(SEMANTIC) | UNLOADABLE <= set(DOCUMENTS)
    assert len(DOCUMENTS) >= 35
