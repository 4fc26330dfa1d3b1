"""Typed errors. Every error says what went wrong, where, and what to do about it."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from pathlib import Path


class AsyncAPIContractError(Exception):
    """Base class of every error this package raises on purpose."""


class SpecError(AsyncAPIContractError):
    """A document cannot be read or understood.

    ``file`` and ``line`` locate the problem (line is 1-based, ``None`` when unknown),
    ``pointer`` is a JSON pointer inside the document, ``hint`` tells the user what to do.
    """

    def __init__(
        self,
        problem: str,
        *,
        file: str | Path | None = None,
        line: int | None = None,
        pointer: str | None = None,
        hint: str | None = None,
    ) -> None:
        self.problem = problem
        self.file = str(file) if file is not None else None
        self.line = line
        self.pointer = pointer
        self.hint = hint
        super().__init__(self.render())

    def location(self) -> str:
        """``file:line`` (or what is known of it)."""
        where = self.file or "<document>"
        if self.line is not None:
            where += f":{self.line}"
        return where

    def render(self) -> str:
        text = f"{self.location()}: {self.problem}"
        if self.pointer is not None:
            text += f" (at {self.pointer or '/'})"
        if self.hint:
            text += f"\n  hint: {self.hint}"
        return text


class RefError(SpecError):
    """A ``$ref`` cannot be followed: missing target, refused URL, escaping file."""


class UnsupportedVersionError(SpecError):
    """The document's ``asyncapi`` version is not one this tool reads."""


class SchemaCompileError(AsyncAPIContractError):
    """A payload/headers/key schema cannot be compiled into a validator."""

    def __init__(self, where: str, problem: str) -> None:
        self.where = where
        self.problem = problem
        super().__init__(f"{where}: schema cannot be compiled: {problem}")


class BrokerError(AsyncAPIContractError):
    """A broker cannot be provisioned, reached, or used."""

    def __init__(self, problem: str, *, hint: str | None = None, log_tail: str | None = None):
        from pytest_asyncapi.masking import mask

        problem, hint = mask(problem), None if hint is None else mask(hint)
        self.problem = problem
        self.hint = hint
        self.log_tail = log_tail
        text = problem
        if log_tail:
            text += "\n  last broker log lines:\n" + "\n".join(
                "    " + line for line in log_tail.splitlines()
            )
        if hint:
            text += f"\n  hint: {hint}"
        super().__init__(text)
