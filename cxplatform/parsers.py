"""The API's JSON parser: refuses, as a 400 naming the body, JSON that Python reads but
the platform could neither store nor send back.

- A lone UTF-16 surrogate ("\\ud800" without its pair) decodes to a Python string that
  UTF-8 cannot encode: saving it, or echoing it in an error, would fail with a 500.
- Arrays or objects nested thousands deep exhaust Python's recursion limit in the
  decoder (a RecursionError, not the ValueError DRF turns into a 400).
"""

from __future__ import annotations

import json
import re

from rest_framework.exceptions import ParseError
from rest_framework.parsers import JSONParser, get_encoding
from rest_framework.utils.json import strict_constant

_LONE_SURROGATE = re.compile("[\ud800-\udfff]")


class StrictJSONParser(JSONParser):
    def parse(self, stream, media_type=None, parser_context=None):
        return parse_strict_json(stream.read(), get_encoding(parser_context or {}))


def parse_strict_json(body: bytes, encoding: str = "utf-8") -> object:
    """The body as JSONParser reads it (no NaN or Infinity either), with the refusals
    above; read whole, not through a decoding stream reader as JSONParser does, which
    costs more than the JSON of a survey answer does to parse."""
    try:
        text = body.decode(encoding)
        data = json.loads(text, parse_constant=strict_constant)
    except RecursionError:
        raise ParseError("JSON parse error - nested too deeply.") from None
    except ValueError as error:  # UnicodeDecodeError too
        raise ParseError(f"JSON parse error - {error}") from None
    # A surrogate reaches the data only as itself in the text (from an odd charset) or
    # as a \u escape. Most bodies hold neither, and are not walked.
    maybe_surrogate = "\\u" in text or _LONE_SURROGATE.search(text) is not None
    if maybe_surrogate and holds_lone_surrogate(data):
        raise ParseError(
            "JSON parse error - a string holds an unpaired UTF-16 surrogate "
            "(\\ud800 to \\udfff), which is not a character."
        )
    return data


def holds_lone_surrogate(data: object) -> bool:
    """Whether any key or string in the parsed JSON holds an unpaired surrogate (walked
    with a stack: the data may be as deep as the decoder allows)."""
    pending = [data]
    while pending:
        item = pending.pop()
        if isinstance(item, str):
            if _LONE_SURROGATE.search(item):
                return True
        elif isinstance(item, dict):
            pending.extend(item.keys())
            pending.extend(item.values())
        elif isinstance(item, list):
            pending.extend(item)
    return False
