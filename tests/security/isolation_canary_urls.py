"""A URL configuration with planted leaks, to prove the isolation tests find them.

Each canary view makes one of the mistakes the tests exist to catch; the tests must
report every one of them (TestTheWalkCanFail in test_isolation_walk and
test_isolation_lists).
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse, HttpResponseRedirect
from django.urls import path

from accounts.access import business_view
from accounts.models import Location
from customers.models import Customer
from cxplatform.urls import urlpatterns as app_urlpatterns
from feedback.models import Survey
from reputation.models import Review


@business_view()
def unscoped_read(request, survey_uuid):
    """Forgets the business filter: shows any business's survey."""
    survey = Survey.objects.filter(uuid=survey_uuid).first()
    if survey is None:
        raise Http404("survey")
    return HttpResponse(survey.name)


@business_view()
def forbidden_instead_of_missing(request, customer_uuid):
    """Says 403 for another business's customer, which confirms it exists."""
    customer = Customer.objects.filter(uuid=customer_uuid).first()
    if customer is None:
        raise Http404("customer")
    if customer.business_id != request.business.pk:
        raise PermissionDenied("not yours")
    return HttpResponse(customer.name)


@business_view()
def writes_then_hides(request, review_uuid):
    """Answers 404 as it should, but only after changing the row."""
    Review.objects.filter(uuid=review_uuid).update(text="changed by an outsider")
    if not Review.objects.filter(uuid=review_uuid, business=request.business).exists():
        raise Http404("review")
    return HttpResponse("ok")


@business_view()
def unscoped_list(request):
    """A list that forgets the business filter: every business's locations."""
    return HttpResponse(", ".join(Location.objects.values_list("name", flat=True)))


@business_view()
def unscoped_write(request):
    """A form that takes any business's location: writes with another's object."""
    location = Location.objects.filter(uuid=request.POST.get("location")).first()
    if location is None:
        return HttpResponse("no such location", status=400)
    Customer.objects.create(business=request.business, name=f"met at {location.name}")
    return HttpResponseRedirect("/customers/")


CANARIES = {
    "canary-unscoped-read": "canary/surveys/<uuid:survey_uuid>/",
    "canary-forbidden": "canary/customers/<uuid:customer_uuid>/",
    "canary-writes": "canary/reviews/<uuid:review_uuid>/",
    "canary-unscoped-list": "canary/locations/",
    "canary-unscoped-write": "canary/customers/",
}
VIEWS = {
    "canary-unscoped-read": unscoped_read,
    "canary-forbidden": forbidden_instead_of_missing,
    "canary-writes": writes_then_hides,
    "canary-unscoped-list": unscoped_list,
    "canary-unscoped-write": unscoped_write,
}

urlpatterns = [
    *[path(route, VIEWS[name], name=name) for name, route in CANARIES.items()],
    *app_urlpatterns,
]
