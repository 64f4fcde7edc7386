"""The platform's URLs plus `/bare/<survey_id>/`: the least a Django view can do to
store one submission (parse the same JSON body, insert one comparable row).

Only bench/settings.py serves these URLs, never the platform itself.
"""

from __future__ import annotations

import hmac
import json
import uuid

from django.conf import settings
from django.db import connection
from django.http import HttpRequest, JsonResponse
from django.urls import path
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from cxplatform.urls import urlpatterns as platform_urlpatterns

# The load generator runs on this machine; nobody else may write to the bench table.
LOOPBACK = {"127.0.0.1", "::1"}
BARE_TABLE = "bench_bare_row"


# Exempt as the public submission endpoint it is compared with is (a JSON body, no
# cookies). Its protection instead: it answers the local machine only, and only with
# the secret token the benchmark makes for each run (settings.BENCH_BARE_TOKEN); with
# no token configured the view refuses everything.
@csrf_exempt
@require_POST
def insert_one(request: HttpRequest, token: str, survey_id: int) -> JsonResponse:
    if request.META.get("REMOTE_ADDR") not in LOOPBACK:
        return JsonResponse({"detail": "The bench view answers this machine only."}, status=403)
    expected = getattr(settings, "BENCH_BARE_TOKEN", "")
    if not expected or not hmac.compare_digest(token.encode(), expected.encode()):
        return JsonResponse({"detail": "Wrong bench token."}, status=403)
    try:
        answers = json.loads(request.body)["answers"]
    except (ValueError, TypeError, KeyError):
        return JsonResponse({"errors": {"body": ["A JSON object with answers."]}}, status=400)
    row_uuid = str(uuid.uuid4())
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {BARE_TABLE} (uuid, survey_id, answers, created_at) "
            "VALUES (%s, %s, %s, CURRENT_TIMESTAMP)",
            [row_uuid, survey_id, json.dumps(answers)],
        )
    return JsonResponse({"uuid": row_uuid}, status=201)


urlpatterns = [path("bare/<str:token>/<int:survey_id>/", insert_one), *platform_urlpatterns]
