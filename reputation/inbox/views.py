"""The review inbox, one review with its history, and the owner's reply.

Every member reads; owners and managers write replies. Replying without JavaScript
works too: the form's buttons save, check, post or mark the reply as pasted.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from accounts.access import MANAGER_ROLES, business_view
from accounts.selectors import business_object_or_404
from cxplatform.errors import ApplicationError

from ..empathy import Check, empathy_check, missing
from ..models import Review
from ..replies import reply_draft
from ..selectors import (
    EXCERPT_PROVIDERS,
    aspect_names_of,
    can_post_reply,
    connector_class,
    limits_notes,
    review_revisions,
    reviews_for_business,
)
from .forms import ReplyForm, ReviewFilterForm
from .services import review_draft_save, review_mark_replied, review_reply_post

PAGE_SIZE = 25


@dataclass(frozen=True)
class Row:
    review: Review
    excerpt: bool  # the site gives only part of the text (Yelp)


@business_view()
@require_GET
def inbox(request: HttpRequest) -> HttpResponse:
    form = ReviewFilterForm(request.GET, business=request.business, also_known=("page",))
    valid = form.is_valid()
    reviews = (
        reviews_for_business(business=request.business, **form.filters)
        if valid
        else Review.objects.none()
    )
    page = Paginator(reviews, PAGE_SIZE).get_page(request.GET.get("page"))
    rows = [Row(review, review.source.provider in EXCERPT_PROVIDERS) for review in page]
    context = {
        "form": form,
        "page": page,
        "rows": rows,
        "notes": sorted(limits_notes({row.review.source for row in rows}).items()),
    }
    return render(request, "reputation/inbox/list.html", context, status=200 if valid else 400)


def load_review(request: HttpRequest, review_uuid) -> Review:
    return business_object_or_404(Review, business=request.business, uuid=review_uuid)


@business_view()
@require_GET
def review_detail(request: HttpRequest, review_uuid) -> HttpResponse:
    review = load_review(request, review_uuid)
    form = None
    if request.membership.is_manager:
        form = ReplyForm(initial={"text": review.reply_draft or suggested(request, review)})
    return render_detail(request, review, form)


def suggested(request: HttpRequest, review: Review) -> str:
    names = aspect_names_of(business=request.business)
    return reply_draft(review=review, aspect_names=names, author=request.user)


def render_detail(
    request: HttpRequest,
    review: Review,
    form: ReplyForm | None,
    *,
    checks: list[Check] | None = None,
    status: int = 200,
) -> HttpResponse:
    connector = connector_class(review.source.provider)
    context = {
        "review": review,
        "revisions": review_revisions(review=review),
        "form": form,
        "checks": checks,
        "missing": missing(checks) if checks is not None else None,
        "can_post": can_post_reply(review.source) and review.deleted_at is None,
        "site_name": review.source.get_provider_display(),
        "limits_note": connector.limits_note if connector else "",
    }
    return render(request, "reputation/inbox/detail.html", context, status=status)


@business_view(MANAGER_ROLES)
@require_POST
def review_reply(request: HttpRequest, review_uuid) -> HttpResponse:
    review = load_review(request, review_uuid)
    form = ReplyForm(request.POST)
    if not form.is_valid():
        return render_detail(request, review, form, status=400)
    action = ACTIONS[form.cleaned_data["action"]]
    try:
        return action(request, review, form)
    except ApplicationError as error:
        form.add_error("text", error.message)
        return render_detail(request, review, form, status=400)


def check_reply(request: HttpRequest, review: Review, form: ReplyForm) -> HttpResponse:
    checks = empathy_check(text=form.cleaned_data["text"], review=review)
    return render_detail(request, review, form, checks=checks)


def suggest_reply(request: HttpRequest, review: Review, form: ReplyForm) -> HttpResponse:
    messages.info(request, _("The suggested draft is back in the box; it is not saved yet."))
    return render_detail(request, review, ReplyForm(initial={"text": suggested(request, review)}))


def save_draft(request: HttpRequest, review: Review, form: ReplyForm) -> HttpResponse:
    review_draft_save(review=review, text=form.cleaned_data["text"])
    messages.success(request, _("Draft saved. Nothing has been posted."))
    return redirect("reputation:review", review_uuid=review.uuid)


def post_reply(request: HttpRequest, review: Review, form: ReplyForm) -> HttpResponse:
    outcome = review_reply_post(review=review, text=form.cleaned_data["text"], actor=request.user)
    site = review.source.get_provider_display()
    if outcome.posted:
        messages.success(request, _("Reply posted on %(site)s.") % {"site": site})
    else:
        messages.error(
            request,
            _("%(site)s did not take the reply: %(error)s Your text is kept as a draft.")
            % {"site": site, "error": outcome.error},
        )
    return redirect("reputation:review", review_uuid=review.uuid)


def mark_copied(request: HttpRequest, review: Review, form: ReplyForm) -> HttpResponse:
    review_mark_replied(review=review, text=form.cleaned_data["text"], actor=request.user)
    messages.success(request, _("Marked as replied on the site."))
    return redirect("reputation:review", review_uuid=review.uuid)


ACTIONS: dict[str, Callable[[HttpRequest, Review, ReplyForm], HttpResponse]] = {
    "check": check_reply,
    "suggest": suggest_reply,
    "save": save_draft,
    "post": post_reply,
    "copied": mark_copied,
}
