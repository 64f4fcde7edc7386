"""Review requests in the browser: the managers' page, and the customer's link and
unsubscribe page (no sign-in; the token is the key)."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from accounts.access import MANAGER_ROLES, business_view
from accounts.models import Business
from customers.services import customer_email_opt_out
from cxplatform.errors import ApplicationError
from cxplatform.forms import UuidChoiceField

from .models import ReviewRequest
from .review_requests import (
    MAX_DAYS,
    Audience,
    request_figures,
    request_plan,
    requests_for_business,
    review_request_click,
    review_requests_create,
    unscoped_request_for_token,
)
from .sources.forms import add_errors
from .sources.selectors import sources_to_request_on

PAGE_SIZE = 25
# The only parameters the page takes; anything else (a minimum rating, a sentiment,
# "happy customers only") is refused by name, never silently ignored.
KNOWN_PARAMETERS = {"source", "audience", "days", "csrfmiddlewaretoken", "preview", "page"}


def gating_refusal(name: str) -> str:
    return _(
        "“%(name)s” is not a setting here: every customer in the group is asked alike. "
        "Asking only happy customers (review gating) breaks Google's and Yelp's rules, "
        "so the platform does not offer it."
    ) % {"name": name}


class ReviewRequestForm(forms.Form):
    source = UuidChoiceField(label=_lazy("Site"), required=True, empty_label=None)
    audience = forms.ChoiceField(label=_lazy("Customers"), choices=Audience.CHOICES)
    days = forms.IntegerField(
        label=_lazy("N: how many days back (for the first two groups)"),
        min_value=1,
        max_value=MAX_DAYS,
        required=False,
        initial=30,
    )

    def __init__(self, *args, business: Business, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["source"].queryset = sources_to_request_on(business=business)

    def clean(self):
        data = super().clean()
        for name in sorted(set(self.data) - KNOWN_PARAMETERS):
            self.add_error(None, gating_refusal(name))
        return data


@business_view(roles=MANAGER_ROLES)
@require_http_methods(["GET", "POST"])
def request_page(request: HttpRequest) -> HttpResponse:
    """GET with a choice previews who would be asked; POST asks them."""
    business = request.business
    asking = request.method == "POST" or "audience" in request.GET
    form = ReviewRequestForm(
        (request.POST if request.method == "POST" else request.GET) if asking else None,
        business=business,
    )  # fmt: skip
    plan = None
    if asking and form.is_valid():
        data = form.cleaned_data
        choice = {"source": data["source"], "audience": data["audience"], "days": data["days"]}
        try:
            if request.method == "POST":
                done = review_requests_create(business=business, **choice)
                messages.success(request, sent_message(done.asked, done.skipped_total))
                return redirect("reputation:requests")
            plan = request_plan(business=business, **choice)
        except ApplicationError as error:
            add_errors(form, error)
    context = {
        "form": form, "plan": plan, "figures": request_figures(business=business),
        "page": Paginator(requests_for_business(business=business), PAGE_SIZE).get_page(
            request.GET.get("page")
        ),
        "has_sites": sources_to_request_on(business=business).exists(),
    }  # fmt: skip
    status = 400 if form.errors else 200
    return render(request, "reputation/requests/page.html", context, status=status)


def sent_message(asked: int, skipped: int) -> str:
    return _("%(asked)d customers will get the e-mail; %(skipped)d skipped.") % {
        "asked": asked, "skipped": skipped,
    }  # fmt: skip


def live_request(token: str) -> ReviewRequest:
    found = unscoped_request_for_token(token)
    if found is None:
        raise Http404("unknown review request")
    return found


@never_cache
@require_http_methods(["GET", "HEAD", "POST"])
def request_click(request: HttpRequest, token: str) -> HttpResponse:
    """The link in the e-mail: a page whose one link goes to the site's review page.

    Mail scanners and link previews open every link in an e-mail, so opening it is not
    a visit. Tapping the link is: the page's script POSTs here as it goes (a beacon), and
    that is the click counted. The link is a plain one, not a form: a form's redirect to
    the site would have to pass our form-action policy at every hop of the site's own
    redirects."""
    found = live_request(token)
    source = found.source
    if source.archived_at is not None or not source.review_page_url:
        raise Http404("the site is no longer offered")
    if request.method == "POST":
        review_request_click(request=found)
        return HttpResponse(status=204)
    context = {"business": found.business, "source": source, "token": token}
    return render(request, "reputation/requests/go.html", context)


@never_cache
@require_http_methods(["GET", "POST"])
def request_unsubscribe(request: HttpRequest, token: str) -> HttpResponse:
    """GET only asks (mail scanners open links); the POST of the button unsubscribes."""
    found = live_request(token)
    done = request.method == "POST"
    if done:
        customer_email_opt_out(
            customer_id=found.customer_id,
            detail=_("Review request: %(site)s") % {"site": found.source.name},
        )
    context = {"business": found.business, "done": done}
    return render(request, "feedback/channels/unsubscribe.html", context)
