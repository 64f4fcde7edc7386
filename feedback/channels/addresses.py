"""A pasted list of e-mail addresses, as mail programs and spreadsheets give them:
plain addresses or "Name <address>" forms, one per line or separated by commas or
semicolons."""

from __future__ import annotations

from email.utils import getaddresses

from django.core.exceptions import ValidationError

from cxplatform.validators import validate_stored_email

SEPARATORS = ",;"


def address_list(text: str) -> tuple[list[str], list[str]]:
    """(addresses lower-cased without duplicates, entries that are not an address as
    typed). "Doe, Jane" <jane@example.com> is one entry: a separator inside quotes or
    a (comment) does not count, nor the comma of Outlook's Doe, Jane <jane@example.com>."""
    addresses: list[str] = []
    bad: list[str] = []
    for typed, entry in entries(text):
        found = entry_addresses(entry)
        if found is None:
            bad.append(typed)
        else:
            addresses += found
    return list(dict.fromkeys(addresses)), bad


def entries(text: str) -> list[tuple[str, str]]:
    """The non-blank entries, line by line, each as typed and without its (comments);
    an unclosed quote ends with its line."""
    found = []
    for line in text.splitlines():
        found += outlook_names_joined(split_line(line))
    return [(typed, entry) for typed, entry in found if entry]


def split_line(line: str) -> list[tuple[str, str]]:
    """The line split at separators outside quotes and (comments): each piece as typed,
    and without its comments. Python's parsers differ on those: the strict getaddresses
    of later 3.11 releases refuses "a@b.c (Eli, at work)", which the older one took."""
    pieces: list[tuple[str, str]] = []
    typed: list[str] = []
    kept: list[str] = []
    quoted, depth, escaped = False, 0, False
    for char in line:
        in_comment = depth > 0
        if escaped:
            escaped = False
        elif char == "\\" and (quoted or depth):
            escaped = True
        elif char == '"' and not depth:
            quoted = not quoted
        elif char in "()" and not quoted:
            depth = depth + 1 if char == "(" else max(depth - 1, 0)
            in_comment = True
        elif char in SEPARATORS and not quoted and not depth:
            pieces.append(("".join(typed).strip(), "".join(kept).strip()))
            typed, kept = [], []
            continue
        typed.append(char)
        if not in_comment:
            kept.append(char)
    pieces.append(("".join(typed).strip(), "".join(kept).strip()))
    return pieces


def outlook_names_joined(pieces: list[tuple[str, str]]) -> list[tuple[str, str]]:
    """Outlook copies recipients as Doe, Jane <jane@example.com>, the comma unquoted: a
    piece without an address joins a "Name <address>" piece after it (the name's first
    part: only the address is kept)."""
    joined: list[tuple[str, str]] = []
    for typed, entry in pieces:
        if joined and "<" in entry and "@" in entry and "@" not in joined[-1][1]:
            before_typed, before = joined.pop()
            if before:
                typed = f"{before_typed}, {typed}"
        joined.append((typed, entry))
    return joined


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
        validate_stored_email(value)
    except ValidationError:
        return False
    return True
