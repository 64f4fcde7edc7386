"""One error type for the services and one handler that turns errors into clear 4xx JSON.

Every API error body has the same shape:
    {"detail": "<one sentence>", "errors": {"<field>": ["<message>", ...]}}
where `errors` names each field at fault ("body" for the request as a whole).
"""

from __future__ import annotations

from django.core.exceptions import RequestDataTooBig
from django.http import Http404
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.views import exception_handler


class ApplicationError(Exception):
    """A request the business rules refuse; `errors` maps field names to messages."""

    status_code = status.HTTP_400_BAD_REQUEST
    # More of the API's error body, as numbers a client acts on (a 409's counts, say).
    body_extra: dict = {}

    def __init__(self, message: str, *, errors: dict[str, list[str]] | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.errors = errors or {}


def field_error(field: str, message: str) -> ApplicationError:
    """A refusal of one field, in its words."""
    return ApplicationError(message, errors={field: [message]})


class PayloadTooLarge(ApplicationError):
    status_code = status.HTTP_413_REQUEST_ENTITY_TOO_LARGE


class Gone(ApplicationError):
    status_code = status.HTTP_410_GONE


class Conflict(ApplicationError):
    status_code = status.HTTP_409_CONFLICT


def error_body(message: str, errors: dict[str, list[str]] | None = None) -> dict:
    return {"detail": message, "errors": errors or {}}


def api_exception_handler(exc: Exception, context: dict) -> Response | None:
    if isinstance(exc, ApplicationError):
        body = {**error_body(exc.message, exc.errors), **exc.body_extra}
        return Response(body, status=exc.status_code)
    if isinstance(exc, RequestDataTooBig):
        return too_large_response()
    if isinstance(exc, exceptions.ParseError):
        return Response(
            error_body("The body is not valid JSON.", {"body": [str(exc.detail)]}),
            status=status.HTTP_400_BAD_REQUEST,
        )
    if isinstance(exc, exceptions.ValidationError):
        return Response(
            error_body("Some fields are not valid.", _as_field_errors(exc.detail)),
            status=status.HTTP_400_BAD_REQUEST,
        )
    response = exception_handler(exc, context)
    if response is not None and isinstance(exc, Http404 | exceptions.NotFound):
        response.data = error_body("Not found.")
    elif response is not None and isinstance(response.data, dict) and "detail" in response.data:
        response.data = error_body(str(response.data["detail"]))
    return response


def too_large_response() -> Response:
    return Response(
        error_body("The request body is too large.", {"body": ["At most 64 KB is accepted."]}),
        status=status.HTTP_413_REQUEST_ENTITY_TOO_LARGE,
    )


def too_many_response(retry_after: int) -> Response:
    response = Response(
        error_body(
            "Too many answers from here in a short time; please wait a moment.",
            {"body": [f"Try again in {retry_after} seconds."]},
        ),
        status=status.HTTP_429_TOO_MANY_REQUESTS,
    )
    response["Retry-After"] = str(retry_after)
    return response


def _as_field_errors(detail, prefix: str = "") -> dict[str, list[str]]:
    """Flatten DRF's nested error detail into {"field.sub": [messages]}."""
    if isinstance(detail, dict):
        flat: dict[str, list[str]] = {}
        for key, value in detail.items():
            name = "body" if key == "non_field_errors" and not prefix else f"{prefix}{key}"
            flat.update(_as_field_errors(value, f"{name}."))
        return flat
    if isinstance(detail, list) and detail and all(not isinstance(i, dict | list) for i in detail):
        return {prefix.rstrip(".") or "body": [str(item) for item in detail]}
    if isinstance(detail, list):
        flat = {}
        for index, item in enumerate(detail):
            flat.update(_as_field_errors(item, f"{prefix}{index}."))
        return flat
    return {prefix.rstrip(".") or "body": [str(detail)]}
