from __future__ import annotations

from collections.abc import Sequence

from django.core.paginator import Paginator
from django.db.models import QuerySet
from django.utils.translation import gettext as _
from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.pagination import CursorPagination


class NewestFirstPagination(CursorPagination):
    """Stable pages over growing tables: every business-owned row has `created_at`.

    Rows often share a `created_at` (a CSV import's dates, one run of review requests).
    The cursor remembers how far into such a tie it got, which only holds if the rows
    within the tie always come in the same order: the primary key fixes it.
    """

    ordering = ("-created_at", "-pk")
    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 500

    def decode_cursor(self, request):
        # DRF answers a cursor it cannot read with 404, as if the list were missing;
        # it is a bad parameter, named like any other.
        try:
            return super().decode_cursor(request)
        except NotFound:
            message = _("Not a cursor this list gave out; start again without it.")
            raise ValidationError({self.cursor_query_param: [message]}) from None


class CountedPaginator(Paginator):
    """A page of a list whose length the caller already knows (say, from the counts
    shown above the list), so Django does not ask the database a second time.

    The count must be of exactly the rows in `object_list`: a wrong one gives wrong
    page numbers, empty last pages or missing rows."""

    def __init__(self, object_list: QuerySet | Sequence, per_page: int, *, count: int) -> None:
        super().__init__(object_list, per_page)
        self.known_count = count

    @property
    def count(self) -> int:  # type: ignore[override]  # Paginator's is a cached_property
        return self.known_count
