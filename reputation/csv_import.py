"""Importing reviews from a CSV file into one source.

Every row is checked before anything is written, and the rows are stored in one
transaction: a file with one bad row imports nothing, and says which row and column.
Each review's id is the file's `id` column, or else a hash of its author, date and
text, so importing the same file twice adds nothing.

Reading reuses the customer import's decoding (BOM, binary check, delimiter sniffing,
one name per column); the columns here are fixed, so there is no mapping step.
"""

from __future__ import annotations

import csv
import hashlib
import re
from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from customers.importing import Decoded, ImportRefused, decode, rows
from cxplatform.errors import ApplicationError

from .connectors.base import FetchedReview
from .models import ReviewSource
from .services import reviews_store
from .sources.services import OLDEST_YEAR, page_url_problem

MAX_UPLOAD_BYTES = 5 * 1024 * 1024
MAX_ROWS = 20_000
MAX_ERRORS_SHOWN = 50
COLUMNS = ("author", "rating", "date", "title", "text", "url", "id")
LIMITS = {"author": 200, "title": 300, "url": 1000, "id": 255}
RATING = re.compile(r"([1-5])(?:[.,]0+)?")


def date_help() -> str:
    return _(
        "Write dates as YYYY-MM-DD (2024-03-05) or as ISO date and time "
        "(2024-03-05T14:30 or 2024-03-05T14:30:00+01:00); 05/03/2024 could be March or May."
    )


@dataclass
class ImportResult:
    rows: int
    added: int

    @property
    def already(self) -> int:
        return self.rows - self.added

    def summary(self) -> str:
        added = ngettext("%(n)d review imported", "%(n)d reviews imported", self.added) % {
            "n": self.added
        }
        if not self.already:
            return added + "."
        return (
            added
            + "; "
            + ngettext("%(n)d was already there.", "%(n)d were already there.", self.already)
            % {"n": self.already}
        )


class RowProblem(ValueError):
    def __init__(self, column: str, message: str) -> None:
        super().__init__(message)
        self.column = column
        self.message = message


def refuse(message: str, details: list[str] | None = None) -> ApplicationError:
    return ApplicationError(message, errors={"file": [message, *(details or [])]})


def reviews_import_csv(*, source: ReviewSource, content: bytes, now=None) -> ImportResult:
    """Check every row, then store them all (or nothing); ApplicationError names the
    rows and columns at fault under "file"."""
    if source.archived_at is not None:
        raise ApplicationError(_("This source is archived."), errors={"source": [_("Archived.")]})
    now = now or timezone.now()
    decoded = decoded_or_refused(content)
    columns = column_names(decoded.headers)
    fetched = read_rows(decoded, columns, zone=ZoneInfo(source.business.time_zone), now=now)
    with transaction.atomic():
        outcome = reviews_store(
            source=source, fetched=fetched, complete=False, by_hand=True, now=now
        )
        if outcome.skipped:  # all or nothing, even for what only the store refuses
            raise refuse(nothing_imported(len(outcome.skipped)), too_many_cut(outcome.skipped))
    return ImportResult(rows=len(fetched), added=outcome.created)


def decoded_or_refused(content: bytes) -> Decoded:
    if len(content) > MAX_UPLOAD_BYTES:
        raise refuse(_("Files up to 5 MB are accepted; split larger files."))
    try:
        content.decode("utf-8")
    except UnicodeDecodeError as error:
        raise refuse(
            _(
                "The file is not UTF-8 text (byte %(position)d cannot be read). "
                "Save it as “CSV UTF-8” and upload it again."
            )
            % {"position": error.start + 1}
        ) from None
    try:
        return decode(content, "utf-8")
    except ImportRefused as error:
        raise refuse(str(error)) from None
    except csv.Error as error:  # a header line past the csv module's field limit
        raise refuse(
            _("The first line is not a line of column names (%(error)s).") % {"error": error}
        ) from None


def column_names(headers: list[str]) -> dict[str, str]:
    """Our column -> the file's header, matched without regard to case or spaces."""
    columns: dict[str, str] = {}
    for header in headers:
        name = header.strip().lower()
        if name in columns:
            raise refuse(_("The column “%(name)s” appears twice.") % {"name": header})
        if name in COLUMNS:
            columns[name] = header
    if "date" not in columns:
        raise refuse(missing_columns_message(_("a “date” column")))
    if "text" not in columns and "rating" not in columns:
        raise refuse(missing_columns_message(_("a “text” or a “rating” column")))
    return columns


def missing_columns_message(what: str) -> str:
    return _(
        "The file needs %(what)s. The first line names the columns: %(columns)s "
        "(any order, upper or lower case; only date is required, with text or rating)."
    ) % {"what": what, "columns": ", ".join(COLUMNS)}


def read_rows(decoded: Decoded, columns: dict, *, zone: ZoneInfo, now) -> list[FetchedReview]:
    fetched: list[FetchedReview] = []
    problems: list[str] = []
    first_line: dict[str, int] = {}
    try:
        for line, row in rows(decoded):
            if line - 1 > MAX_ROWS:
                raise refuse(_("At most %(n)d reviews per file.") % {"n": MAX_ROWS})
            values = {name: row.get(header, "") for name, header in columns.items()}
            if not any(values.values()):
                continue  # spreadsheets leave blank lines at the end
            try:
                review = review_from_row(values, zone=zone, now=now)
                check_unique(review.external_id, line, first_line, values)
            except RowProblem as problem:
                problems.append(row_message(line, problem))
                continue
            fetched.append(review)
    except csv.Error as error:
        message = _("The file is not a CSV file we can read (%(error)s).") % {"error": error}
        raise refuse(message) from None
    if problems:
        raise refuse(nothing_imported(len(problems)), too_many_cut(problems))
    if not fetched:
        raise refuse(_("The file has no reviews, only the line of column names."))
    return fetched


def row_message(line: int, problem: RowProblem) -> str:
    return _("Row %(row)d, %(column)s: %(message)s") % {
        "row": line, "column": problem.column, "message": problem.message,
    }  # fmt: skip


def nothing_imported(count: int) -> str:
    return ngettext(
        "Nothing was imported: %(n)d row needs fixing.",
        "Nothing was imported: %(n)d rows need fixing.",
        count,
    ) % {"n": count}


def too_many_cut(problems: list[str]) -> list[str]:
    if len(problems) <= MAX_ERRORS_SHOWN:
        return problems
    more = len(problems) - MAX_ERRORS_SHOWN
    return [*problems[:MAX_ERRORS_SHOWN], _("…and %(n)d more.") % {"n": more}]


def check_unique(external_id: str, line: int, first_line: dict[str, int], values: dict) -> None:
    earlier = first_line.setdefault(external_id, line)
    if earlier != line:
        column = "id" if values.get("id") else "text"
        raise RowProblem(
            column,
            _("the same review as row %(row)d (same id, or same author, date and text).")
            % {"row": earlier},
        )


def review_from_row(values: dict[str, str], *, zone: ZoneInfo, now) -> FetchedReview:
    for column, limit in LIMITS.items():
        if len(values.get(column, "")) > limit:
            raise RowProblem(column, _("longer than %(n)d characters.") % {"n": limit})
    published_at = parse_when(values.get("date", ""), zone=zone, now=now)
    rating = parse_rating(values.get("rating", ""))
    text = values.get("text", "")
    if not text and rating is None:
        raise RowProblem("text", _("no text and no rating; give at least one."))
    url = values.get("url", "")
    if url and page_url_problem(url, "url"):
        raise RowProblem("url", _("not a web address starting with https:// or http://."))
    author = values.get("author", "")
    return FetchedReview(
        external_id=values.get("id") or stable_id(author, values["date"], text),
        published_at=published_at, rating=rating, text=text, author_name=author,
        title=values.get("title", ""), url=url,
    )  # fmt: skip


def parse_when(raw: str, *, zone: ZoneInfo, now) -> datetime:
    """YYYY-MM-DD or an ISO 8601 date and time; day-first or month-first dates are
    refused rather than guessed (05/03/2024 is March in Europe, May in the US)."""
    if not raw:
        raise RowProblem("date", _("no date. %(help)s") % {"help": date_help()})
    try:
        # A bare day reads as its start; without an offset, in the business's time.
        moment = datetime.fromisoformat(raw)
        moment = moment if moment.tzinfo else moment.replace(tzinfo=zone)
        in_future = moment > now
    except (ValueError, OverflowError):
        message = _("“%(date)s” is not a date we read. %(help)s")
        raise RowProblem("date", message % {"date": raw, "help": date_help()}) from None
    if moment.year < OLDEST_YEAR:
        raise RowProblem("date", _("%(date)s is too long ago.") % {"date": raw})
    if in_future:
        raise RowProblem("date", _("%(date)s is in the future.") % {"date": raw})
    return moment


def parse_rating(raw: str) -> int | None:
    if not raw:
        return None
    match = RATING.fullmatch(raw)
    if not match:
        raise RowProblem(
            "rating",
            _("“%(rating)s” is not a whole number of stars from 1 to 5.") % {"rating": raw},
        )
    return int(match.group(1))


def stable_id(author: str, date: str, text: str) -> str:
    """The same review gives the same id in every import of the file (the date as
    written, so a later change of the business's time zone changes nothing)."""
    key = "\x1f".join([author, date, text])
    return "csv-" + hashlib.sha256(key.encode()).hexdigest()[:40]
