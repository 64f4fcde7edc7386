from __future__ import annotations

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
