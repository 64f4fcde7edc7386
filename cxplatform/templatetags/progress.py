"""The one progress component for long work: `{% load progress %}{% progress_bar job "import" %}`.

It renders templates/includes/progress.html for a CSV import, a rescore or a CLV fit job;
static/js/progress.js then polls the job's JSON status (the API's detail endpoint, which
takes the session) and updates the bar in place. Without JavaScript the page shows the
state it had when it was loaded.
"""

from __future__ import annotations

from dataclasses import dataclass

from django import template
from django.db.models import Model
from django.urls import reverse
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy

register = template.Library()

ACTIVE = ("queued", "running")
BADGES = {"done": "badge--positive", "failed": "badge--negative"}


@dataclass(frozen=True)
class Kind:
    """How one kind of job reads: its status URL, and which fields count its progress."""

    status_route: str
    done_field: str
    total_field: str
    of_text: Promise  # "%(done)s of %(total)s rows", translated as a whole
    label: Promise
    detail_field: str = ""  # a field naming the step under way, shown beside the count


KINDS: dict[str, Kind] = {
    "customers.customerimport": Kind(
        "api:customer-import-detail", "processed_rows", "total_rows",
        gettext_lazy("%(done)s of %(total)s rows"), gettext_lazy("Import progress"),
    ),
    "textanalysis.rescorejob": Kind(
        "api:rescore-detail", "done", "total",
        gettext_lazy("%(done)s of %(total)s texts"), gettext_lazy("Rescoring progress"),
    ),
    "metrics.clvfitjob": Kind(
        "api:clv-fit-job-detail", "steps_done", "steps",
        gettext_lazy("%(done)s of %(total)s steps"), gettext_lazy("Customer value progress"),
        detail_field="stage_label",
    ),
}  # fmt: skip


@register.inclusion_tag("includes/progress.html")
def progress_bar(job: Model, name: str, done_url: str = "") -> dict:
    """`name` prefixes the component's ids ("import" gives #import-status)."""
    kind = KINDS[job._meta.label_lower]
    counts = {"done": getattr(job, kind.done_field), "total": getattr(job, kind.total_field)}
    return {
        "name": name,
        "kind": kind,
        "job": job,
        "status_url": reverse(kind.status_route, kwargs={"uuid": job.uuid}),
        "done_url": done_url,
        "active": job.status in ACTIVE,
        "badge": BADGES.get(job.status, "badge--pending"),
        "labels": job._meta.get_field("status").choices,
        "of_text": kind.of_text % counts,
        "of_pattern": kind.of_text % {"done": "{done}", "total": "{total}"},
        "detail": getattr(job, kind.detail_field) if kind.detail_field else "",
    }
