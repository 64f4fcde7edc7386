"""The OpenAPI schema documents the error answers of every operation, in the one error
shape the API uses (cxplatform.errors), so clients and schema checks know them.

- 400: a body, filter or cursor the API refuses (every operation takes some input);
- 401 and 403: operations that need a key or a session (no credentials; a role or a
  read-only key that may not do this);
- 404: operations that name an object in their path.
A view that documents one of these (or another 4xx) itself keeps its own description;
the body is the error shape whatever it says.
"""

from __future__ import annotations

from drf_spectacular.openapi import AutoSchema as SpectacularAutoSchema
from drf_spectacular.utils import OpenApiResponse
from rest_framework import serializers


class ErrorSerializer(serializers.Serializer):
    detail = serializers.CharField(help_text="One sentence saying what went wrong.")
    errors = serializers.DictField(
        child=serializers.ListField(child=serializers.CharField()),
        help_text='Field ("body" for the request as a whole) -> what is wrong with it.',
    )


ERROR_DESCRIPTIONS = {
    "400": "The request is not valid; `errors` names each field at fault.",
    "401": "No credentials, or credentials the API does not know.",
    "403": "The caller may not do this (role, read-only key, or a site not allowed).",
    "404": "No such object in the caller's business.",
}


class AutoSchema(SpectacularAutoSchema):
    def _get_response_bodies(self, direction="response"):
        responses = super()._get_response_bodies(direction)
        described = [code for code in responses if code.startswith("4")]
        for code in sorted({*self.error_codes(), *described}):
            documented = responses.get(code, {})
            if documented.get("content"):
                continue
            description = documented.get("description") or ERROR_DESCRIPTIONS[code]
            error = OpenApiResponse(ErrorSerializer, description=description)
            responses[code] = self._get_response_for_code(error, code, direction=direction)
        return dict(sorted(responses.items()))

    def error_codes(self) -> list[str]:
        codes = ["400"]
        if any(requirement for requirement in self.get_auth()):
            codes += ["401", "403"]
        if "{" in self.path:
            codes.append("404")
        return codes
