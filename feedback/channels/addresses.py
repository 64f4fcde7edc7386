"""A pasted list of e-mail addresses, as mail programs and spreadsheets give them:
plain addresses or "Name <address>" forms, one per line or separated by commas or
semicolons."""

from __future__ import annotations

from email.utils import getaddresses

from django.core.exceptions import ValidationError
from django.core.validators import validate_email

SEPARATORS = ",;"


def address_list(text: str) -> tuple[list[str], list[str]]:
    """(addresses lower-cased without duplicates, entries that are not an address as
    typed). "Doe, Jane" <jane@example.com> is one entry: a separator inside quotes or
    a (comment) does not count."""
    addresses: list[str] = []
    bad: list[str] = []
    for entry in entries(text):
        found = entry_addresses(entry)
        if found is None:
            bad.append(entry)
        else:
            addresses += found
    return list(dict.fromkeys(addresses)), bad


def entries(text: str) -> list[str]:
    """The non-blank entries, line by line; an unclosed quote ends with its line."""
    return [entry for line in text.splitlines() for entry in split_line(line) if entry]


def split_line(line: str) -> list[str]:
    pieces, start, quoted, depth, escaped = [], 0, False, 0, False
    for at, char in enumerate(line):
        if escaped:
            escaped = False
        elif char == "\\" and (quoted or depth):
            escaped = True
        elif char == '"' and not depth:
            quoted = not quoted
        elif char in "()" and not quoted:
            depth = depth + 1 if char == "(" else max(depth - 1, 0)
        elif char in SEPARATORS and not quoted and not depth:
            pieces.append(line[start:at])
            start = at + 1
    pieces.append(line[start:])
    return [piece.strip() for piece in pieces]


def entry_addresses(entry: str) -> list[str] | None:
    """The entry's address (or addresses), None when it is not one."""
    pairs = getaddresses([entry])
    if len(pairs) == 1 and is_email(pairs[0][1]):
        return [pairs[0][1].lower()]
    # Plain addresses separated by spaces, as the box took them before names were.
    words = entry.split()
    if not set(entry) & set('<>"()') and all(is_email(word) for word in words):
        return [word.lower() for word in words]
    return None


def is_email(value: str) -> bool:
    try:
        validate_email(value)
    except ValidationError:
        return False
    return True
