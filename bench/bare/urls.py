from __future__ import annotations

import json
import uuid

from django.db import connection, transaction
from django.http import HttpResponse, JsonResponse
from django.urls import path
from django.views.decorators.csrf import csrf_exempt


@csrf_exempt
def insert_one(request, survey_id: int) -> HttpResponse:
    """Parse the same JSON body and insert one comparable row: nothing else."""
    body = json.loads(request.body)
    text = json.dumps(body.get("answers", {}))
    row_uuid = uuid.uuid4()
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO bench_bare_row (uuid, survey_id, answers, created_at) "
            "VALUES (%s, %s, %s, now())",
            [row_uuid, survey_id, text],
        )
    return JsonResponse({"uuid": str(row_uuid)}, status=201)


urlpatterns = [path("bare/<int:survey_id>/", insert_one)]
