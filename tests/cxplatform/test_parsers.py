"""The API's strict JSON parser: what Python reads but the platform could neither store
nor send back is refused as a 400 (ParseError); everything else is read as given."""

from __future__ import annotations

import pytest
from rest_framework.exceptions import ParseError

from cxplatform.parsers import parse_strict_json


@pytest.mark.parametrize(
    ("body", "encoding"),
    [
        (b'{"a": "\\ud800"}', "utf-8"),  # a lone surrogate, escaped
        (b'{"a": ["x", {"\\udfff": 1}]}', "utf-8"),  # deep in the data, in a key
        (b'{"a": "\\ud83d"}', "utf-8"),  # the first half of a pair, alone
        # A charset that makes the surrogate itself, not an escape of it.
        (b'{"a": "\\ud800"}', "unicode_escape"),
    ],
)
def test_a_lone_surrogate_is_refused(body, encoding):
    with pytest.raises(ParseError, match="unpaired UTF-16 surrogate"):
        parse_strict_json(body, encoding)


@pytest.mark.parametrize(
    ("body", "data"),
    [
        (b'{"a": "\\ud83d\\ude00"}', {"a": "\U0001f600"}),  # a pair is a character
        (b'{"a": "\\\\ud800"}', {"a": "\\ud800"}),  # a backslash, then text
        ('{"a": "caf\u00e9 \U0001f600"}'.encode(), {"a": "caf\u00e9 \U0001f600"}),
    ],
)
def test_everything_else_is_read_as_given(body, data):
    assert parse_strict_json(body) == data


@pytest.mark.parametrize("body", [b'{"a": NaN}', b'{"a": Infinity}', b"[" * 100_000, b"\xff"])
def test_what_python_reads_loosely_or_not_at_all_is_refused(body):
    with pytest.raises(ParseError, match="JSON parse error"):
        parse_strict_json(body)
