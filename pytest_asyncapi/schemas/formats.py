"""The ``format`` values we check, and the exact rule for each.

Every JSON Schema draft gets the same rules (a draft-07 schema's ``uuid`` is checked although
draft-07 does not define it). Formats not listed here are handled by jsonschema-rs: the other
standard formats (``hostname``, ``uri-reference``, ``json-pointer``, ``regex`` …) by its
built-in checks, unknown formats are annotations and ignored, as the specifications say.

=========  =====================================================================================
format     rule (``docs/formats.md`` has examples)
=========  =====================================================================================
date-time  RFC 3339 ``date-time``: ``YYYY-MM-DDTHH:MM:SS[.frac](Z|±HH:MM)``; the offset is
           mandatory; ``T``/``Z`` in either case; real calendar dates (leap years); hours 00-23;
           second 60 only when the time is 23:59 in UTC (leap second, on any date).
date       RFC 3339 ``full-date`` ``YYYY-MM-DD``, a real calendar date.
time       RFC 3339 ``full-time`` ``HH:MM:SS[.frac](Z|±HH:MM)``, offset mandatory, as above.
email      ``local@domain``: exactly one ``@``; local part a dot-atom of ASCII letters, digits and
           ``!#$%&'*+-/=?^_`{|}~`` (at most 64 chars, no leading/trailing/double dot); domain at
           least two dot-separated labels of letters, digits and inner hyphens (1-63 chars each,
           253 in all), the last label not all digits. Not accepted: quoted local parts,
           ``[IP]`` domain literals, display names, non-ASCII (use ``idn-email``). Not checked:
           that the domain or mailbox exists.
uuid       RFC 4122 text form ``8-4-4-4-12`` hex digits, any case, any version or variant
           (the nil UUID included); no braces, no ``urn:uuid:`` prefix.
uri        RFC 3986 absolute URI (optional fragment): a scheme (``letter *(letter/digit/+-.)``)
           and ``:``; only RFC 3986 characters, ``%`` followed by two hex digits; with ``//`` an
           authority ``[userinfo@]host[:port]`` whose host is a name, or an IPv6 address in
           brackets. Not checked: scheme-specific syntax. Non-ASCII is refused (use ``iri``).
ipv4       Dotted quad of decimal 0-255, no leading zeros, ASCII digits only.
ipv6       RFC 4291 text form (``::`` compression, trailing dotted quad allowed), no zone id
           (``%eth0``), no brackets, ASCII only.
=========  =====================================================================================

jsonschema-rs implements ``date-time``, ``date``, ``time``, ``ipv4``, ``ipv6`` (every draft) and
``uuid`` (2019-09 and later) with exactly these rules, so those run natively (fast); the tests
prove the Python functions below agree with them. ``email``, ``uri`` and (before 2019-09)
``uuid`` run natively too: each rule is also written as ECMA 262 regexes (``FormatRule.patterns``,
no look-around, so the linear-time ``regex`` crate runs them) whose conjunction is exactly the
Python rule, and :mod:`~pytest_asyncapi.schemas.bundle` compiles the ``format`` as those
``pattern`` keywords. The Python functions stay the reference (the tests compare both on
generated strings) and are still registered as callbacks, so a ``format`` left in place is never
judged by jsonschema-rs's own, different, rule.
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass

FormatCheck = Callable[[object], bool]

_DATE = re.compile(r"(\d{4})-(\d{2})-(\d{2})", re.ASCII)
_TIME = re.compile(r"(\d{2}):(\d{2}):(\d{2})(?:\.\d+)?(?:[Zz]|([+-])(\d{2}):(\d{2}))", re.ASCII)
_DAYS = (31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31)


def _valid_date(text: str) -> bool:
    match = _DATE.fullmatch(text)
    if match is None:
        return False
    year, month, day = (int(g) for g in match.groups())
    if not 1 <= month <= 12:
        return False
    leap = month == 2 and year % 4 == 0 and (year % 100 != 0 or year % 400 == 0)
    return 1 <= day <= _DAYS[month - 1] + leap


def _valid_time(text: str) -> bool:
    match = _TIME.fullmatch(text)
    if match is None:
        return False
    hour, minute, second = int(match[1]), int(match[2]), int(match[3])
    off_hour, off_minute = int(match[5] or 0), int(match[6] or 0)
    if hour > 23 or minute > 59 or second > 60 or off_hour > 23 or off_minute > 59:
        return False
    if second == 60:
        sign = -1 if match[4] == "-" else 1
        utc = (hour * 60 + minute - sign * (off_hour * 60 + off_minute)) % 1440
        return utc == 23 * 60 + 59
    return True


def is_date_time(value: object) -> bool:
    """RFC 3339 ``date-time`` with a mandatory offset."""
    if not isinstance(value, str):
        return True
    return (
        len(value) > 11
        and value[10] in "Tt"
        and _valid_date(value[:10])
        and _valid_time(value[11:])
    )


def is_date(value: object) -> bool:
    """RFC 3339 ``full-date``."""
    return not isinstance(value, str) or _valid_date(value)


def is_time(value: object) -> bool:
    """RFC 3339 ``full-time`` (offset mandatory)."""
    return not isinstance(value, str) or _valid_time(value)


_ATEXT = r"[A-Za-z0-9!#$%&'*+\-/=?^_`{|}~]"
_LABEL = r"[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?"
_EMAIL = re.compile(
    rf"(?=[^@]{{1,64}}@){_ATEXT}+(?:\.{_ATEXT}+)*"  # local part: dot-atom, <= 64 chars
    rf"@(?=[^@]{{1,253}}\Z)(?:{_LABEL}\.)+(?![0-9]+\Z){_LABEL}"  # domain: >= 2 labels
)


EMAIL_PATTERNS = (
    rf"^{_ATEXT}+(?:\.{_ATEXT}+)*@(?:{_LABEL}\.)+{_LABEL}$",  # shape, labels <= 63 chars
    r"^[^@]{1,64}@[^@]{1,253}$",  # local part <= 64, domain <= 253 chars
    r"[^.0-9][^.]*$",  # the last label is not all digits
)
"""``email`` as native patterns: a value is an email when it matches all three."""


def is_email(value: object) -> bool:
    """``local@domain`` with a dot-atom local part and a dotted host name."""
    return not isinstance(value, str) or _EMAIL.fullmatch(value) is not None


_UUID = re.compile(r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}")


UUID_PATTERN = f"^{_UUID.pattern}$"
"""``uuid`` as a native pattern (for drafts where jsonschema-rs has no ``uuid``)."""


def is_uuid(value: object) -> bool:
    """RFC 4122 ``8-4-4-4-12`` hex text form, any version."""
    return not isinstance(value, str) or _UUID.fullmatch(value) is not None


_CHARS = r"A-Za-z0-9\-._~!$&'()*+,;="
_PCT = r"%[0-9A-Fa-f]{2}"
_PCHAR = rf"(?:[{_CHARS}:@]|{_PCT})"
_OCTET = r"(?:25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])"
_IPV4_TEXT = rf"{_OCTET}(?:\.{_OCTET}){{3}}"


def _ipv6_text() -> str:
    """RFC 3986 ``IPv6address``: the nine forms by the groups before and after ``::``."""
    h16 = "[0-9A-Fa-f]{1,4}"
    ls32 = f"(?:{h16}:{h16}|{_IPV4_TEXT})"
    forms = [f"(?:{h16}:){{6}}{ls32}"]
    tails = [f"(?:{h16}:){{{n}}}{ls32}" for n in range(5, -1, -1)] + [h16, ""]
    for before, tail in enumerate(tails):
        head = f"(?:(?:{h16}:){{0,{before - 1}}}{h16})?" if before else ""
        forms.append(f"{head}::{tail}")
    return "(?:" + "|".join(forms) + ")"


def _uri_text(ip6: str) -> str:
    """The ``uri`` rule, with ``ip6`` as the text inside the brackets of an IPv6 host."""
    return (
        rf"[A-Za-z][A-Za-z0-9+.\-]*:"
        rf"(?://(?:(?:[{_CHARS}:]|{_PCT})*@)?"
        rf"(?:\[{ip6}\]|\[[vV][0-9A-Fa-f]+\.[{_CHARS}:]+\]|(?:[{_CHARS}]|{_PCT})*)"
        rf"(?::[0-9]*)?(?:/{_PCHAR}*)*"
        rf"|(?:{_PCHAR}|/)*)"
        rf"(?:\?(?:{_PCHAR}|[/?])*)?"
        rf"(?:#(?:{_PCHAR}|[/?])*)?"
    )


_URI = re.compile(_uri_text("(?P<ip6>[0-9A-Fa-f:.]+)"))
URI_PATTERN = f"^{_uri_text(_ipv6_text())}$"
"""``uri`` as a native pattern: the IPv6 host that :func:`is_uri` checks with ``ipaddress``
is spelled out as RFC 3986's ``IPv6address`` (no other part of the rule needs more than a
regex)."""


def is_uri(value: object) -> bool:
    """RFC 3986 absolute URI (a scheme is required; a fragment is allowed)."""
    if not isinstance(value, str):
        return True
    match = _URI.fullmatch(value)
    return match is not None and (match["ip6"] is None or is_ipv6(match["ip6"]))


_IPV4 = re.compile(_IPV4_TEXT)


def is_ipv4(value: object) -> bool:
    """Dotted quad, 0-255, no leading zeros."""
    return not isinstance(value, str) or _IPV4.fullmatch(value) is not None


_IPV6_CHARS = re.compile(r"[0-9A-Fa-f:.]+")


def is_ipv6(value: object) -> bool:
    """RFC 4291 text form, no zone id."""
    if not isinstance(value, str):
        return True
    if _IPV6_CHARS.fullmatch(value) is None:
        return False
    try:
        ipaddress.IPv6Address(value)
    except ValueError:
        return False
    return True


@dataclass(frozen=True)
class FormatRule:
    """One checked format: its function and the drafts where jsonschema-rs runs it natively.

    ``engine`` is an equivalent, faster callable for jsonschema-rs, which calls format
    callbacks with strings only and reads the result's truth value. ``patterns`` are ECMA 262
    regexes that a string matches all of exactly when ``check`` accepts it: where jsonschema-rs
    has no native check, the format is compiled as these ``pattern`` keywords.
    """

    check: FormatCheck
    native_in: frozenset[str]
    engine: Callable[[str], object] | None = None
    patterns: tuple[str, ...] = ()


_ALL_DRAFTS = frozenset({"draft-04", "draft-06", "draft-07", "2019-09", "2020-12"})

FORMATS: Mapping[str, FormatRule] = {
    "date-time": FormatRule(is_date_time, _ALL_DRAFTS),
    "date": FormatRule(is_date, _ALL_DRAFTS),
    "time": FormatRule(is_time, _ALL_DRAFTS),
    "email": FormatRule(is_email, frozenset(), _EMAIL.fullmatch, EMAIL_PATTERNS),
    "uuid": FormatRule(
        is_uuid, frozenset({"2019-09", "2020-12"}), _UUID.fullmatch, (UUID_PATTERN,)
    ),
    "uri": FormatRule(is_uri, frozenset(), None, (URI_PATTERN,)),
    "ipv4": FormatRule(is_ipv4, _ALL_DRAFTS),
    "ipv6": FormatRule(is_ipv6, _ALL_DRAFTS),
}
"""The formats with our own rule, by name."""


def callbacks_for(draft: str) -> dict[str, Callable[[str], object]]:
    """The Python format functions jsonschema-rs needs for ``draft`` (the non-native ones)."""
    return {
        name: rule.engine or rule.check
        for name, rule in FORMATS.items()
        if draft not in rule.native_in
    }


def native_patterns(name: object, draft: str) -> tuple[str, ...]:
    """The patterns that stand for ``format: name`` under ``draft`` (``()`` when none do)."""
    rule = FORMATS.get(name) if isinstance(name, str) else None
    return () if rule is None or draft in rule.native_in else rule.patterns
