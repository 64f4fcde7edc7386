from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts.access import business_view
from accounts.selectors import business_object_or_404

from ..models import CaseStatus, FollowUpCase
from ..selectors import with_answers_shown
from .forms import CaseNoteForm, CaseUpdateForm
from .selectors import case_contact, case_summary, cases_for_member, customer_history
from .services import case_note_add, case_update

PAGE_SIZE = 25


@business_view()
def case_list(request: HttpRequest) -> HttpResponse:
    status = request.GET.get("status", "")
    status = status if status in CaseStatus.values else ""
    filters = {"mine": request.GET.get("mine") == "1", "overdue": request.GET.get("overdue") == "1"}
    cases = cases_for_member(
        business=request.business, membership=request.membership, status=status, **filters
    )
    context = {
        "page": Paginator(cases, PAGE_SIZE).get_page(request.GET.get("page")),
        "status": status,
        "statuses": CaseStatus.choices,
        "now": timezone.now(),
        "summary": case_summary(business=request.business)
        if request.membership.is_manager
        else None,
        **filters,
    }
    return render(request, "feedback/cases/list.html", context)


def load_case(request: HttpRequest, case_uuid) -> FollowUpCase:
    """A case the member may work: 404 for other businesses and for staff's colleagues' cases."""
    case = business_object_or_404(FollowUpCase, business=request.business, uuid=case_uuid)
    allowed = cases_for_member(business=request.business, membership=request.membership)
    if not allowed.filter(pk=case.pk).exists():
        raise PermissionDenied("This case belongs to a colleague.")
    return case


@business_view()
def case_detail(request: HttpRequest, case_uuid) -> HttpResponse:
    case = load_case(request, case_uuid)
    return render_detail(request, case, case_update_form(request, case), CaseNoteForm())


def case_update_form(request: HttpRequest, case: FollowUpCase) -> CaseUpdateForm:
    """The update form as the case stands, its due time in the business's local time."""
    return CaseUpdateForm(
        business=request.business,
        can_assign=request.membership.is_manager,
        initial={
            "status": case.status,
            "assignee": case.assignee,
            "due_at": timezone.localtime(case.due_at).strftime("%Y-%m-%dT%H:%M"),
        },
    )


def render_detail(request, case, update_form, note_form, status: int = 200) -> HttpResponse:
    context = {
        "case": case,
        "case_answers": with_answers_shown([case.response])[0].answers_shown
        if case.response
        else [],
        "update_form": update_form,
        "note_form": note_form,
        "history": customer_history(business=request.business, customer=case.customer),
        "contact": case_contact(case),
        "notes": case.notes.select_related("author"),
        "now": timezone.now(),
    }
    return render(request, "feedback/cases/detail.html", context, status=status)


@business_view()
@require_POST
def case_update_view(request: HttpRequest, case_uuid) -> HttpResponse:
    case = load_case(request, case_uuid)
    can_assign = request.membership.is_manager
    form = CaseUpdateForm(request.POST, business=request.business, can_assign=can_assign)
    if not form.is_valid():
        # Shown again with what was typed, at this address: a reload sends the form
        # again, which is harmless. A refused form writes nothing, and case_update sets
        # values (and writes only those that differ), so a second send changes nothing.
        return render_detail(request, case, form, CaseNoteForm(), status=400)
    data = form.cleaned_data
    assignment = {}
    if can_assign:
        assignment = {"assignee": data["assignee"], "unassign": data["assignee"] is None}
    case_update(
        case=case, actor=request.user, status=data["status"], due_at=data["due_at"], **assignment
    )
    messages.success(request, _("Case saved."))
    return redirect("cases:detail", case_uuid=case.uuid)


@business_view()
@require_POST
def case_note_view(request: HttpRequest, case_uuid) -> HttpResponse:
    case = load_case(request, case_uuid)
    form = CaseNoteForm(request.POST)
    if not form.is_valid():
        return render_detail(request, case, case_update_form(request, case), form, status=400)
    # A note sent twice (a double click, a retried request) is added once: case_note_add.
    case_note_add(case=case, author=request.user, text=form.cleaned_data["text"])
    messages.success(request, _("Note added."))
    return redirect("cases:detail", case_uuid=case.uuid)
