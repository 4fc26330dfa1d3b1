"""The sample specs parse as YAML and declare a supported AsyncAPI version.

Deliberately independent of the project's loader: the loader's own tests validate them fully.
"""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

SAMPLES = Path(__file__).resolve().parents[1] / "sample_specs"
SUPPORTED = {"2.0.0", "2.1.0", "2.2.0", "2.3.0", "2.4.0", "2.5.0", "2.6.0", "3.0.0", "3.1.0"}
ROOT_DOCUMENTS = [
    "user-signup-2.6.yaml",
    "user-signup-3.0.yaml",
    "orders-kafka.yaml",
    "streetlights-params.yaml",
    "split/asyncapi.yaml",
    "telemetry-avro.yaml",
    "streetlights-mqtt.yaml",
    "accounts-amqp.yaml",
]
FRAGMENTS = [
    "split/messages/inventory.yaml",
    "split/schemas/inventory.yaml",
    "split/schemas/common.yaml",
]


@pytest.mark.parametrize("name", ROOT_DOCUMENTS)
def test_root_document_parses_and_has_supported_version(name: str) -> None:
    doc = yaml.safe_load((SAMPLES / name).read_text(encoding="utf-8"))
    assert isinstance(doc, dict)
    assert str(doc.get("asyncapi")) in SUPPORTED
    assert doc.get("info", {}).get("title")


@pytest.mark.parametrize("name", FRAGMENTS)
def test_split_fragment_parses_as_mapping(name: str) -> None:
    doc = yaml.safe_load((SAMPLES / name).read_text(encoding="utf-8"))
    assert isinstance(doc, dict)
    assert doc


def test_every_yaml_file_is_listed() -> None:
    found = {p.relative_to(SAMPLES).as_posix() for p in SAMPLES.rglob("*.yaml")}
    assert found == set(ROOT_DOCUMENTS) | set(FRAGMENTS)


def test_readme_mentions_every_root_document() -> None:
    readme = (SAMPLES / "README.md").read_text(encoding="utf-8")
    missing = [name for name in ROOT_DOCUMENTS if f"`{name}`" not in readme]
    assert not missing
