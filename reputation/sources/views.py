"""Review sources in the browser (owners and managers): connect, watch their health,
change, archive, poll now; type in a review or import a CSV of them."""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from accounts.access import MANAGER_ROLES, business_view
from accounts.selectors import business_object_or_404
from cxplatform.errors import ApplicationError

from ..csv_import import MAX_UPLOAD_BYTES, reviews_import_csv
from ..models import Provider, ReviewSource
from ..selectors import connector_class, reviews_for_business
from ..services import source_poll_now
from .forms import (
    FACEBOOK_NOTE,
    PROVIDER_HELP,
    CsvImportForm,
    ManualReviewForm,
    SourceForm,
    add_errors,
    initial_for,
)
from .google_oauth import oauth_configured
from .selectors import sources_for_business
from .services import (
    review_enter,
    secret_fields,
    source_archive,
    source_create,
    source_update,
)

LATEST_REVIEWS = 10


def limits_note(provider: str) -> str:
    connector = connector_class(provider)
    return connector.limits_note if connector else ""


def load_source(request: HttpRequest, source_uuid, *, live: bool = True) -> ReviewSource:
    """The business's source: 404 for anyone else's, and for archived ones when `live`."""
    source = business_object_or_404(ReviewSource, business=request.business, uuid=source_uuid)
    if live and source.archived_at is not None:
        raise Http404("archived source")
    return source


@business_view(roles=MANAGER_ROLES)
@require_GET
def source_list(request: HttpRequest) -> HttpResponse:
    sources = list(sources_for_business(business=request.business))
    for source in sources:
        source.limits_note = limits_note(source.provider)
    return render(
        request, "reputation/sources/list.html", {"sources": sources, "now": timezone.now()}
    )


@business_view(roles=MANAGER_ROLES)
@require_GET
def source_connect(request: HttpRequest) -> HttpResponse:
    """Choose the site; each choice says what it reads and what it cannot."""
    choices = [
        {"value": value, "label": label, "help": PROVIDER_HELP[value], "limits": limits_note(value)}
        for value, label in Provider.choices
    ]
    context = {"choices": choices, "facebook_note": FACEBOOK_NOTE}
    return render(request, "reputation/sources/connect.html", context)


@business_view(roles=MANAGER_ROLES)
@require_http_methods(["GET", "POST"])
def source_connect_provider(request: HttpRequest, provider: str) -> HttpResponse:
    if provider not in Provider.values:
        raise Http404("unknown provider")
    form = SourceForm(posted(request), provider=provider, business=request.business)
    if request.method == "POST" and form.is_valid():
        try:
            source = source_create(
                business=request.business, provider=provider, values=form.values(),
                secrets=form.secrets(), actor=request.user,
            )  # fmt: skip
        except ApplicationError as error:
            add_errors(form, error)
        else:
            messages.success(request, connected_message(source))
            return redirect("reputation:source_detail", source_uuid=source.uuid)
    return render_form(request, form, provider=provider, source=None)


def connected_message(source: ReviewSource) -> str:
    if source.is_polled:
        return _("Connected. The first check for reviews starts shortly.")
    return _("Saved. Type its reviews in or import them from a CSV file.")


def render_form(
    request, form, *, provider: str, source: ReviewSource | None, signed_in: bool = False
) -> HttpResponse:
    """`signed_in`: after Connect with Google, the form has no credential fields."""
    context = {
        "form": form, "provider": provider, "provider_label": Provider(provider).label,
        "source": source, "limits": limits_note(provider), "help": PROVIDER_HELP[provider],
        "has_secrets": bool(secret_fields(provider)), "signed_in": signed_in,
        "google_oauth": (
            provider == Provider.GOOGLE and source is None and not signed_in
            and oauth_configured()
        ),
    }  # fmt: skip
    return render(
        request, "reputation/sources/form.html", context, status=400 if form.errors else 200
    )


@business_view(roles=MANAGER_ROLES)
@require_GET
def source_detail(request: HttpRequest, source_uuid) -> HttpResponse:
    source = load_source(request, source_uuid, live=False)
    source.review_count = source.reviews.filter(deleted_at=None).count()
    reviews = reviews_for_business(business=request.business, source=source)[:LATEST_REVIEWS]
    context = {
        "source": source, "reviews": reviews, "limits": limits_note(source.provider),
        "now": timezone.now(),
    }  # fmt: skip
    return render(request, "reputation/sources/detail.html", context)


@business_view(roles=MANAGER_ROLES)
@require_http_methods(["GET", "POST"])
def source_edit(request: HttpRequest, source_uuid) -> HttpResponse:
    source = load_source(request, source_uuid)
    form = SourceForm(
        posted(request), initial=initial_for(source), provider=source.provider,
        business=request.business, source=source,
    )  # fmt: skip
    if request.method == "POST" and form.is_valid():
        try:
            source_update(
                source=source, values=form.values(), secrets=form.secrets(), actor=request.user
            )
        except ApplicationError as error:
            add_errors(form, error)
        else:
            messages.success(request, _("Saved."))
            return redirect("reputation:source_detail", source_uuid=source.uuid)
    return render_form(request, form, provider=source.provider, source=source)


@business_view(roles=MANAGER_ROLES)
@require_POST
def source_archive_view(request: HttpRequest, source_uuid) -> HttpResponse:
    source = load_source(request, source_uuid)
    source_archive(source=source, actor=request.user)
    messages.success(
        request,
        _("“%(name)s” is archived: no longer checked; its reviews stay.") % {"name": source.name},
    )
    return redirect("reputation:sources")


@business_view(roles=MANAGER_ROLES)
@require_POST
def source_poll(request: HttpRequest, source_uuid) -> HttpResponse:
    source = load_source(request, source_uuid)
    if not source.is_polled:
        messages.error(request, _("Reviews of this source are entered by hand; nothing to check."))
    elif source_poll_now(source=source):
        messages.success(request, _("Checking for new reviews now; reload in a moment."))
    else:
        messages.info(request, _("A check is already under way, or the source is paused."))
    return redirect("reputation:source_detail", source_uuid=source.uuid)


def posted(request: HttpRequest):
    """The POST data, or None on GET: an empty POST is still a submission (refused)."""
    return request.POST if request.method == "POST" else None


def picked_source_initial(request: HttpRequest) -> dict:
    wanted = request.GET.get("source", "")
    return {"source": wanted} if wanted else {}


@business_view(roles=MANAGER_ROLES)
@require_http_methods(["GET", "POST"])
def review_add(request: HttpRequest) -> HttpResponse:
    """Type in one review from a site the platform cannot read."""
    form = ManualReviewForm(
        posted(request), business=request.business, initial=picked_source_initial(request)
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            review_enter(source=data["source"], fields=data)
        except ApplicationError as error:
            add_errors(form, error)
        else:
            messages.success(request, _("The review is saved."))
            return redirect("reputation:source_detail", source_uuid=data["source"].uuid)
    status = 400 if form.errors else 200
    return render(request, "reputation/sources/add_review.html", {"form": form}, status=status)


@business_view(roles=MANAGER_ROLES)
@require_http_methods(["GET", "POST"])
def reviews_import(request: HttpRequest) -> HttpResponse:
    """Import a CSV of reviews: every row checked first, then all stored or none."""
    files = request.FILES if request.method == "POST" else None
    form = CsvImportForm(
        posted(request), files, business=request.business, initial=picked_source_initial(request)
    )
    if request.method == "POST" and form.is_valid():
        source = form.cleaned_data["source"]
        try:
            result = reviews_import_csv(
                source=source, content=form.cleaned_data["file"].read(MAX_UPLOAD_BYTES + 1)
            )
        except ApplicationError as error:
            add_errors(form, error)
        else:
            messages.success(request, result.summary())
            return redirect("reputation:source_detail", source_uuid=source.uuid)
    context = {"form": form, "max_mb": MAX_UPLOAD_BYTES // (1024 * 1024)}
    status = 400 if form.errors else 200
    return render(request, "reputation/sources/import.html", context, status=status)
