"""A database error raised outside a view (a middleware, a template being rendered)
reaches Django's 500 handler, not the middleware: it answers 503 there too."""

from __future__ import annotations

from django.db import InterfaceError, OperationalError
from django.test import RequestFactory

from cxplatform.views import error_500


def handled(error: Exception, path: str):
    try:
        raise error
    except Exception:
        return error_500(RequestFactory().get(path))


def test_a_lost_database_outside_a_view_is_a_503_page_or_json():
    page = handled(OperationalError("server closed the connection unexpectedly"), "/dashboard/")
    assert (page.status_code, page["Retry-After"]) == (503, "5")
    assert "Nothing was saved this time" in page.content.decode()
    api = handled(InterfaceError("connection already closed"), "/api/v1/surveys/")
    assert (api.status_code, api["Content-Type"]) == (503, "application/json")


def test_any_other_error_is_still_the_500_page():
    page = handled(KeyError("a bug"), "/dashboard/")
    assert page.status_code == 500 and not page.has_header("Retry-After")
    assert "Something went wrong on our side" in page.content.decode()
