from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from accounts.access import MANAGER_ROLES, business_view
from feedback.selectors import surveys_for_business

from .selectors import latest_comments, nps_summary, response_count, sentiment_breakdown


@business_view(roles=MANAGER_ROLES)
def dashboard(request: HttpRequest) -> HttpResponse:
    business = request.business
    context = {
        "nps": nps_summary(business=business),
        "responses": response_count(business=business),
        "sentiment": sentiment_breakdown(business=business),
        "comments": latest_comments(business=business),
        "default_survey": surveys_for_business(business=business).filter(is_default=True).first(),
    }
    return render(request, "metrics/dashboard.html", context)
