"""A database that goes away mid-request answers 503 with Retry-After, never a 500.

The request's transaction was rolled back with the connection (each submission is one
transaction), so nothing was half-written and trying again a little later is right:
the page says so to people, the API says so in JSON to programs.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from django.db import InterfaceError, OperationalError
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.template import loader

from .errors import error_body

logger = logging.getLogger(__name__)

DATABASE_ERRORS = (OperationalError, InterfaceError)
RETRY_AFTER_SECONDS = 5


class DatabaseUnavailableMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if not isinstance(exception, DATABASE_ERRORS):
            return None
        logger.warning(
            "Database unavailable during %s %s: %s", request.method, request.path, exception
        )
        return database_unavailable_response(request)


def database_unavailable_response(request: HttpRequest) -> HttpResponse:
    if request.path.startswith("/api/"):
        response: HttpResponse = JsonResponse(
            error_body(
                "The service is briefly unavailable; nothing was saved. Please try again.",
                {"body": [f"Try again in {RETRY_AFTER_SECONDS} seconds."]},
            ),
            status=503,
        )
    else:
        # No context processors: they would ask the database that just failed.
        response = HttpResponse(loader.get_template("errors/503.html").render(), status=503)
    response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    return response


class RefuseNulInQueryMiddleware:
    """A NUL character in a query parameter is refused with 400 before any view runs.

    PostgreSQL text cannot hold NUL, so a filter or search carrying one would fail in the
    database with a 500; no real parameter of ours ever contains one.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        for name, values in request.GET.lists():
            if "\x00" in name or any("\x00" in value for value in values):
                return nul_refused_response(request, name.replace("\x00", ""))
        return self.get_response(request)


def nul_refused_response(request: HttpRequest, name: str) -> HttpResponse:
    message = f"The parameter {name!r} contains a NUL character."
    if request.path.startswith("/api/"):
        return JsonResponse(error_body("Bad query parameter.", {name: [message]}), status=400)
    return HttpResponse(message, content_type="text/plain; charset=utf-8", status=400)
