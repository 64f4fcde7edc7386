"""`{% load clv_jobs %}{% clv_fit_panel as panel %}`: the latest CLV fit job of the
current business for templates/metrics/_clv_fit.html, or None for a member who may not
start one (the panel then shows nothing)."""

from __future__ import annotations

from dataclasses import dataclass

from django import template

from accounts.access import MANAGER_ROLES

from ..clv_jobs import clv_fit_job_latest
from ..models import CLV_FIT_ACTIVE, ClvFitJob

register = template.Library()


@dataclass(frozen=True)
class Panel:
    job: ClvFitJob | None

    @property
    def running(self) -> bool:
        return self.job is not None and self.job.status in CLV_FIT_ACTIVE


@register.simple_tag(takes_context=True)
def clv_fit_panel(context) -> Panel | None:
    request = context.get("request")
    membership = getattr(request, "membership", None)
    if membership is None or membership.role not in MANAGER_ROLES:
        return None
    return Panel(job=clv_fit_job_latest(business=request.business))
