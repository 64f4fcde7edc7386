from __future__ import annotations

import sys

import redis
from django.conf import settings
from django.db import DatabaseError, connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from accounts.access import business_view

from .middleware import DATABASE_ERRORS, database_unavailable_response
from .models import DeadLetter


@business_view()
def home(request: HttpRequest) -> HttpResponse:
    """Owners and managers land on the dashboard; staff on the interactions they log."""
    if request.membership.is_manager:
        return redirect("metrics:dashboard")
    return redirect("interactions:list")


@never_cache
@require_GET
def healthz(request: HttpRequest) -> JsonResponse:
    """200 while the database answers (the broker may be down: answers are still saved)."""
    database = database_state()
    body = {"status": "ok" if database == "ok" else "error", "database": database}
    body["broker"] = broker_state()
    # Tasks that will not run again by themselves: the operator's to look at in /admin/
    # (monitoring alerts on it; a web node stays in the load balancer all the same).
    body["dead_letters"] = dead_letters_open() if database == "ok" else None
    return JsonResponse(body, status=200 if database == "ok" else 503)


def database_state() -> str:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
    except DatabaseError:
        return "down"
    return "ok"


def dead_letters_open() -> int | None:
    try:
        return DeadLetter.objects.filter(resolved=False).count()
    except DatabaseError:  # a database not migrated yet
        return None


def broker_state() -> str:
    if settings.CELERY_BROKER_URL == settings.IN_PROCESS_BROKER:  # tasks run eagerly
        return "eager"
    client = redis.Redis.from_url(
        settings.CELERY_BROKER_URL, socket_connect_timeout=1, socket_timeout=1
    )
    try:
        client.ping()
    except redis.RedisError:
        return "down"
    finally:
        client.close()
    return "ok"


def error_400(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return render(request, "errors/400.html", status=400)


def error_403(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return render(request, "errors/403.html", {"reason": exception}, status=403)


def error_404(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return render(request, "errors/404.html", status=404)


def error_500(request: HttpRequest) -> HttpResponse:
    # The database lost outside a view (a middleware, a template): 503, as in a view.
    if isinstance(sys.exc_info()[1], DATABASE_ERRORS):
        return database_unavailable_response(request)
    # No context processors that touch the database: it may be what failed.
    from django.template import loader

    return HttpResponse(loader.get_template("errors/500.html").render(), status=500)
