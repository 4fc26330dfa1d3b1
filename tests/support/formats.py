"""Format cases (valid and invalid values per checked format) and a mutation strategy over them."""

from __future__ import annotations

from hypothesis import strategies as st

DRAFT_FORMATS = {
    "draft-04": "application/schema+json;version=draft-04",
    "draft-06": "application/schema+json;version=draft-06",
    "draft-07": "application/vnd.aai.asyncapi+json;version=3.0.0",
    "2019-09": "application/schema+json;version=2019-09",
    "2020-12": "application/schema+yaml;version=2020-12",
}


CASES: dict[str, tuple[list[str], list[str]]] = {
    "date-time": (
        [
            "2024-01-31T10:20:30Z",
            "2024-02-29T00:00:00.123456+05:30",
            "2024-01-01t00:00:00z",
            "2016-12-31T23:59:60Z",
            "2016-12-31T18:59:60-05:00",
            "2024-06-01T00:00:00-00:00",
        ],
        [
            "2024-01-31T10:20:30",
            "2024-01-31 10:20:30Z",
            "2023-02-29T00:00:00Z",
            "2024-01-31T24:00:00Z",
            "2024-01-31T12:59:60Z",
            "2024-01-31T10:20:30+0100",
            "2024-01-31T10:20:30.Z",
            "2024-1-31T10:20:30Z",
            "2024-01-31T10:20:30Z\n",
            "",
        ],
    ),
    "date": (
        ["2024-02-29", "2000-02-29", "1999-12-31"],
        [
            "2023-02-29",
            "1900-02-29",
            "2024-13-01",
            "2024-01-32",
            "2024-1-1",
            "20240101",
            "٢٠٢٤-01-01",
        ],
    ),
    "time": (
        ["10:20:30Z", "10:20:30.5+01:00", "23:59:60Z", "00:29:60+00:30"],
        ["10:20:30", "24:00:00Z", "10:60:00Z", "10:20:60Z", "10:20Z", "1:20:30Z", "10:20:30+24:00"],
    ),
    "email": (
        [
            "joe@example.com",
            "first.last+tag@sub.example.co.uk",
            "a!#$%&'*+-/=?^_`{|}~@x-y.io",
            "x@a1.b2",
            "x@1.a2",
            "j" * 64 + "@example.com",  # the longest local part
            "joe@" + "a" * 63 + ".com",  # the longest label
            "joe@example." + "c" * 63,
            "joe@" + ".".join(["a" * 63] * 3) + "." + "b" * 61,  # the longest domain (253)
        ],
        [
            "joe",
            "joe@example",
            "@example.com",
            "joe@@example.com",
            "jo e@example.com",
            "joe@exa mple.com",
            ".joe@example.com",
            "joe.@example.com",
            "jo..e@example.com",
            "joe@-example.com",
            "joe@example-.com",
            "joe@example..com",
            "joe@1.2.3.4",
            "Joe <joe@example.com>",
            '"jo e"@example.com',
            "joe@[127.0.0.1]",
            "jöe@example.com",
            "j" * 65 + "@example.com",
            "joe@" + "a" * 64 + ".com",
            "joe@example." + "c" * 64,
            "joe@" + ".".join(["a" * 63] * 3) + "." + "b" * 62,  # a 254-character domain
            "joe@example.123",
        ],
    ),
    "uuid": (
        [
            "123e4567-e89b-12d3-a456-426614174000",
            "123E4567-E89B-12D3-A456-426614174000",
            "00000000-0000-0000-0000-000000000000",
            "123e4567-e89b-92d3-f456-426614174000",
        ],
        [
            "123e4567e89b12d3a456426614174000",
            "{123e4567-e89b-12d3-a456-426614174000}",
            "urn:uuid:123e4567-e89b-12d3-a456-426614174000",
            "123e4567-e89b-12d3-a456-42661417400g",
            "123e4567-e89b-12d3-a456-4266141740000",
            "123e4567-e89b-12d3-a456-426614174000\n",
        ],
    ),
    "uri": (
        [
            "https://example.com/a/b?c=d&e=f#g",
            "urn:isbn:0451450523",
            "mailto:joe@example.com",
            "http://user:pw@[2001:db8::1]:8080/",
            "file:///etc/hosts",
            "nats://localhost:4222",
            "https://example.com/%20x",
            "http://[1:2:3:4:5:6:7:8]/",
            "http://[1:2:3:4:5:6:1.2.3.4]/",
            "http://[1:2:3:4:5:6:7::]/",
            "http://[::2:3:4:5:6:7:8]/",
            "http://[1::]:80",
            "http://[::ffff:1.2.3.4]/",
            "http://[vF.x:y]/",
        ],
        [
            "/relative/path",
            "example.com",
            "http://exa mple.com/",
            "1http://x",
            "http://example.com/%zz",
            "http://ü.example/",
            "http://[::1/",
            "http://[1::2::3]/",
            "http://example.com/a#b#c",
            "",
            "http://[1:2:3:4:5:6:7:8::]/",
            "http://[1::2:3:4:5:6:7:8]/",
            "http://[1:2:3:4:5:6:7]/",
            "http://[1:2:3:4:5:6:7:1.2.3.4]/",
            "http://[::1.2.3]/",
            "http://[::01.2.3.4]/",
            "http://[12345::]/",
            "http://[fe80::1%25eth0]/",
        ],
    ),
    "ipv4": (
        ["192.168.0.1", "0.0.0.0", "255.255.255.255"],
        ["256.1.1.1", "01.2.3.4", "1.2.3", "1.2.3.4.5", " 1.2.3.4", "1.2.3.٤", "1.2.3.4\n"],
    ),
    "ipv6": (
        [
            "::1",
            "::",
            "2001:db8::8a2e:370:7334",
            "::ffff:192.168.0.1",
            "1:2:3:4:5:6:7:8",
            "FE80::1",
        ],
        [
            "1::2::3",
            "12345::",
            "fe80::1%eth0",
            "[::1]",
            "1:2:3:4:5:6:7:8:9",
            "::ffff:01.2.3.4",
            "::1\n",
        ],
    ),
}


_MUTATION_ALPHABET = "0123456789:.-+TtZz aAfFgG%٣\n"


@st.composite
def mutated(draw: st.DrawFn, seeds: list[str]) -> str:
    chars = list(draw(st.sampled_from(seeds)))
    for _ in range(draw(st.integers(1, 3))):
        index = draw(st.integers(0, len(chars)))
        op = draw(st.sampled_from(["insert", "delete", "replace"]))
        if op == "insert" or not chars:
            chars.insert(index, draw(st.sampled_from(_MUTATION_ALPHABET)))
        elif op == "delete":
            del chars[min(index, len(chars) - 1)]
        else:
            chars[min(index, len(chars) - 1)] = draw(st.sampled_from(_MUTATION_ALPHABET))
    return "".join(chars)
