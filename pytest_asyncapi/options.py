"""Options — a command-line flag and its ini twin — and checked readers of their values.

Stdlib only. The plugin's own options (``plugin/settings.py``) and each protocol's
(``brokers/<protocol>/options.py``, reached through the registry's ``options`` field) are
made of these. ``get`` is the plugin's reader: ``get(option)`` gives the raw value,
``get.base(option)`` the folder its relative paths are read from and how to say so.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any


@dataclass(frozen=True)
class Option:
    """One command-line option and its ini twin."""

    flag: str
    ini: str
    help: str
    kind: str = "string"  # string | bool | linelist
    default: Any = None
    metavar: str | None = None

    @property
    def dest(self) -> str:
        return self.ini


class SettingsError(ValueError):
    """An option value is not acceptable; the message lists the valid choices."""


def pairs(values: Any, flag: str, shape: str) -> dict[str, str]:
    """``KEY=VALUE`` entries as a dict; anything else is an error quoting ``shape``."""
    found: dict[str, str] = {}
    for entry in values or ():
        key, sep, value = str(entry).partition("=")
        if not sep or not key.strip() or not value.strip():
            raise SettingsError(f"{flag}: expected {shape}, got {entry!r}")
        found[key.strip()] = value.strip()
    return found


def resolve(get: Any, option: Option, raw: Any) -> Path:
    """``raw`` as a path: relative ones are read from the folder ``get.base`` names."""
    path = Path(str(raw)).expanduser()
    return path if path.is_absolute() else get.base(option)[0] / path


def path(get: Any, option: Option) -> Path | None:
    """The option's value as a path, or ``None`` when unset."""
    value = get(option)
    return None if value in (None, "") else resolve(get, option, value)


def existing_file(get: Any, option: Option) -> Path | None:
    """:func:`path`, which must name a file."""
    found = path(get, option)
    if found is not None and not found.is_file():
        raise SettingsError(f"{option.flag}: no such file: {found} ({get.base(option)[1]})")
    return found


def number(value: Any, flag: str, low: float, high: float) -> float:
    """A number from ``low`` to ``high``."""
    try:
        found = float(value)
    except (TypeError, ValueError):
        raise SettingsError(f"{flag}: expected a number, got {value!r}") from None
    if not low <= found <= high:
        raise SettingsError(f"{flag}: {found:g} is out of range ({low:g} to {high:g})")
    return found


def choice(value: Any, flag: str, choices: tuple[str, ...]) -> str:
    """One of ``choices`` (the first when unset)."""
    text = str(value or choices[0]).strip()
    if text not in choices:
        raise SettingsError(f"{flag}: {text!r} is not valid; choose one of {', '.join(choices)}")
    return text
