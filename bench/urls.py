"""The platform's URLs plus `/bare/<survey_id>/`: the least a Django view can do to
store one submission (parse the same JSON body, insert one comparable row)."""

from __future__ import annotations

import json
import uuid

from django.db import connection
from django.http import HttpRequest, JsonResponse
from django.urls import path
from django.views.decorators.csrf import csrf_exempt

from cxplatform.urls import urlpatterns as platform_urlpatterns


@csrf_exempt
def insert_one(request: HttpRequest, survey_id: int) -> JsonResponse:
    body = json.loads(request.body)
    row_uuid = uuid.uuid4()
    with connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO bench_bare_row (uuid, survey_id, answers, created_at) "
            "VALUES (%s, %s, %s, now())",
            [row_uuid, survey_id, json.dumps(body.get("answers", {}))],
        )
    return JsonResponse({"uuid": str(row_uuid)}, status=201)


urlpatterns = [path("bare/<int:survey_id>/", insert_one), *platform_urlpatterns]
