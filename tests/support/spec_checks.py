"""Document-check fixtures and a YAML locator shared by the spec-check tests."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import yaml

from pytest_asyncapi import jsonpointer

if TYPE_CHECKING:
    from pytest_asyncapi.spec.document_checks import Locate

FIXTURES = Path(__file__).resolve().parents[1] / "spec_checks" / "fixtures"


def yaml_locator(path: Path) -> Locate:
    """``locate`` for one YAML file: the line of the deepest node the pointer reaches."""
    root = yaml.compose(path.read_text())
    assert root is not None, f"{path} is empty"

    def locate(pointer: str) -> tuple[str, int | None]:
        node = root
        line = node.start_mark.line + 1
        for token in jsonpointer.split(pointer):
            if isinstance(node, yaml.MappingNode):
                pair = next((kv for kv in node.value if kv[0].value == token), None)
                if pair is None:
                    break
                line, node = pair[0].start_mark.line + 1, pair[1]
            elif isinstance(node, yaml.SequenceNode) and token.isdigit():
                if int(token) >= len(node.value):
                    break
                node = node.value[int(token)]
                line = node.start_mark.line + 1
            else:
                break
        return str(path), line

    return locate
