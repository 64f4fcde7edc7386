from __future__ import annotations

from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_http_methods

from accounts.access import business_view
from accounts.selectors import business_object_or_404
from customers.views import CUSTOMER_PAGE_ROLES

from ..cases.selectors import cases_for_member
from ..models import FollowUpCase, Interaction
from .forms import InteractionForm
from .selectors import QUERY_MAX, customers_matching, interactions_for_business
from .services import interaction_log

PAGE_SIZE = 25


@business_view()
def interaction_list(request: HttpRequest) -> HttpResponse:
    mine = request.GET.get("mine") == "1"
    query = request.GET.get("q", "")[:QUERY_MAX]
    interactions = interactions_for_business(
        business=request.business, staff=request.user if mine else None, query=query
    )
    page = Paginator(interactions, PAGE_SIZE).get_page(request.GET.get("page"))
    context = {"page": page, "mine": mine, "q": query.strip()}
    return render(request, "feedback/interactions/list.html", context)


@business_view()
@require_http_methods(["GET", "POST"])
def interaction_new(request: HttpRequest) -> HttpResponse:
    form = InteractionForm(request.POST or None, business=request.business)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        interaction_log(
            business=request.business,
            staff=request.user,
            customer=data["customer"],
            new_customer=form.new_customer(),
            location=data["location"],
            channel=data["channel"],
            touchpoint=data["touchpoint"],
            note=data["note"],
            mood=data["mood"],
            outcome=data["outcome"],
            follow_up_needed=data["follow_up_needed"],
        )
        return redirect("interactions:list")
    context = {"form": form, "picked": picked_label(form)}
    return render(
        request,
        "feedback/interactions/new.html",
        context,
        status=400 if form.is_bound else 200,
    )


def picked_label(form: InteractionForm) -> str:
    """The customer picked before the form came back with an error, as the picker names
    them: the choice is still in the form, so the person must see it is still made."""
    customer = getattr(form, "cleaned_data", {}).get("customer")
    if customer is None:
        return ""
    return " · ".join(part for part in (customer.name, customer.email, customer.phone) if part)


@business_view()
def interaction_detail(request: HttpRequest, interaction_uuid) -> HttpResponse:
    interaction = business_object_or_404(
        Interaction, business=request.business, uuid=interaction_uuid
    )
    context = {
        "item": interaction,
        # Names link only to pages the viewer may open.
        "customer_linked": request.membership.role in CUSTOMER_PAGE_ROLES,
        "case_linked": may_open_case(request, getattr(interaction, "case", None)),
    }
    return render(request, "feedback/interactions/detail.html", context)


def may_open_case(request: HttpRequest, case: FollowUpCase | None) -> bool:
    """Staff open their own and unassigned cases, not a colleague's (cases.views.load_case)."""
    if case is None:
        return False
    allowed = cases_for_member(business=request.business, membership=request.membership)
    return allowed.filter(pk=case.pk).exists()


@business_view()
@require_GET
def customer_search(request: HttpRequest) -> JsonResponse:
    """Customers matching what staff type, for the quick picker on the logging form."""
    customers = customers_matching(business=request.business, query=request.GET.get("q", ""))
    results = [
        {"uuid": str(c.uuid), "name": c.name, "email": c.email, "phone": c.phone} for c in customers
    ]
    return JsonResponse({"results": results})
