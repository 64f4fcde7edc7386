from __future__ import annotations

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from accounts.access import ALL_ROLES, MANAGER_ROLES, business_view
from accounts.selectors import business_object_or_404
from accounts.services import audit_record
from cxplatform.errors import ApplicationError

from .consent import HISTORY_SHOWN, consent_history, contact_refusal
from .forms import CustomerForm, EncodingForm, MappingForm, PurchaseForm, UploadForm
from .imports import import_preview, import_reread, import_start, import_upload
from .models import ConsentSource, Customer, CustomerImport, ImportStatus
from .selectors import (
    customer_totals,
    customers_search,
    imports_for_business,
    purchases_for_customer,
)
from .services import (
    PurchaseInput,
    customer_create,
    customer_delete,
    customer_update,
    purchase_record,
)

PAGE_SIZE = 50
# Who may open a customer's page: other pages link a customer's name only for these.
CUSTOMER_PAGE_ROLES = ALL_ROLES


def add_errors(form, error: ApplicationError) -> None:
    if not error.errors:
        form.add_error(None, error.message)
    for name, field_messages in error.errors.items():
        for message in field_messages:
            form.add_error(name if name in form.fields else None, message)


@business_view(roles=ALL_ROLES)
@require_GET
def customer_list(request: HttpRequest) -> HttpResponse:
    query = request.GET.get("q", "")[:100]
    customers = customers_search(business=request.business, query=query)
    page = Paginator(customers, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "customers/list.html", {"page": page, "q": query})


@business_view(roles=ALL_ROLES)
@require_http_methods(["GET", "POST"])
def customer_new(request: HttpRequest) -> HttpResponse:
    form = CustomerForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            customer = customer_create(
                business=request.business, actor=request.user, **form.cleaned_data
            )
        except ApplicationError as error:
            add_errors(form, error)
        else:
            return redirect("customers:detail", customer_uuid=customer.uuid)
    status = 400 if form.is_bound else 200
    return render(request, "customers/form.html", {"form": form}, status=status)


@business_view(roles=CUSTOMER_PAGE_ROLES)
@require_GET
def customer_detail(request: HttpRequest, customer_uuid) -> HttpResponse:
    customer = business_object_or_404(Customer, business=request.business, uuid=customer_uuid)
    # Who looked at a customer's data is for the owner to know (the audit log).
    audit_record(
        business=request.business, actor=request.user, action="customer.view",
        target=str(customer.uuid),
    )  # fmt: skip
    return render_detail(request, customer, PurchaseForm(business=request.business))


def render_detail(request, customer, purchase_form, status=200) -> HttpResponse:
    context = {
        "customer": customer,
        "purchases": purchases_for_customer(business=request.business, customer=customer)[:50],
        "totals": customer_totals(business=request.business, customer=customer),
        "purchase_form": purchase_form,
        "contact_refusal": contact_refusal(customer),
        "consent_source": consent_source_label(customer.consent_source),
        "consent_history": consent_history(customer=customer)[:HISTORY_SHOWN],
    }
    return render(request, "customers/detail.html", context, status=status)


def consent_source_label(source: str) -> str:
    """Where consent was recorded, in words ("staff" is a code, not for people)."""
    try:
        return str(ConsentSource(source).label)
    except ValueError:
        return source


@business_view(roles=MANAGER_ROLES)
@require_http_methods(["GET", "POST"])
def customer_edit(request: HttpRequest, customer_uuid) -> HttpResponse:
    customer = business_object_or_404(Customer, business=request.business, uuid=customer_uuid)
    initial = {
        "name": customer.name, "email": customer.email, "phone": customer.phone,
        "consent_to_contact": customer.consent_to_contact, "tags": ", ".join(customer.tags),
    }  # fmt: skip
    form = CustomerForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            customer_update(customer=customer, actor=request.user, **form.cleaned_data)
        except ApplicationError as error:
            add_errors(form, error)
        else:
            return redirect("customers:detail", customer_uuid=customer.uuid)
    status = 400 if form.is_bound else 200
    context = {"form": form, "customer": customer}
    return render(request, "customers/form.html", context, status=status)


@business_view(roles=MANAGER_ROLES)
@require_http_methods(["GET", "POST"])
def customer_delete_view(request: HttpRequest, customer_uuid) -> HttpResponse:
    """Deleting takes the customer's purchases and consent history with it, for good:
    the detail page's button leads here to say so before anything is removed."""
    customer = business_object_or_404(Customer, business=request.business, uuid=customer_uuid)
    if request.method == "GET":
        purchases = purchases_for_customer(business=request.business, customer=customer).count()
        context = {"customer": customer, "purchases": purchases}
        return render(request, "customers/delete.html", context)
    customer_delete(customer=customer, actor=request.user)
    messages.success(request, _("Customer deleted."))
    return redirect("customers:list")


@business_view(roles=ALL_ROLES)
@require_POST
def purchase_add(request: HttpRequest, customer_uuid) -> HttpResponse:
    customer = business_object_or_404(Customer, business=request.business, uuid=customer_uuid)
    form = PurchaseForm(request.POST, business=request.business)
    if not form.is_valid():
        return render_detail(request, customer, form, status=400)
    data = form.cleaned_data
    purchase_record(
        business=request.business,
        data=PurchaseInput(customer=customer, **{**data, "currency": data["currency"].upper()}),
    )
    return redirect("customers:detail", customer_uuid=customer.uuid)


@business_view(roles=MANAGER_ROLES)
@require_http_methods(["GET", "POST"])
def import_new(request: HttpRequest) -> HttpResponse:
    form = UploadForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            customer_import = import_upload(
                business=request.business, user=request.user, name=upload.name,
                content=upload.read(20 * 1024 * 1024 + 1), encoding=form.cleaned_data["encoding"],
            )  # fmt: skip
        except ApplicationError as error:
            add_errors(form, error)
        else:
            return redirect("customers:import", import_uuid=customer_import.uuid)
    context = {"form": form, "imports": imports_for_business(business=request.business)[:10]}
    return render(request, "customers/import_new.html", context, status=400 if form.errors else 200)


@business_view(roles=MANAGER_ROLES)
@require_http_methods(["GET", "POST"])
def import_detail(request: HttpRequest, import_uuid) -> HttpResponse:
    """Column mapping while uploaded; progress while running; the report when done."""
    customer_import = business_object_or_404(
        CustomerImport, business=request.business, uuid=import_uuid
    )
    if customer_import.status != ImportStatus.UPLOADED:
        return render(request, "customers/import_detail.html", {"job": customer_import})
    if request.method == "POST" and "encoding" in request.POST:
        return import_reread_view(request, customer_import)
    initial = {f"map_{k}": v for k, v in customer_import.mapping.items()}
    form = MappingForm(request.POST or None, headers=customer_import.headers, initial=initial)
    if request.method == "POST" and form.is_valid():
        options = {k: form.cleaned_data[k] for k in ("day_first", "currency")}
        options["currency"] = options["currency"].upper()
        try:
            import_start(customer_import=customer_import, mapping=form.mapping(), options=options)
        except ApplicationError as error:
            for name, field_messages in error.errors.items():
                form.add_error(f"map_{name}" if f"map_{name}" in form.fields else None,
                               field_messages)  # fmt: skip
        else:
            return redirect("customers:import", import_uuid=customer_import.uuid)
    encoding_form = EncodingForm(initial={"encoding": customer_import.encoding})
    return import_mapping_page(request, customer_import, form, encoding_form)


def import_reread_view(request: HttpRequest, customer_import: CustomerImport) -> HttpResponse:
    encoding_form = EncodingForm(request.POST)
    if encoding_form.is_valid():
        try:
            import_reread(
                customer_import=customer_import, encoding=encoding_form.cleaned_data["encoding"]
            )
        except ApplicationError as error:
            add_errors(encoding_form, error)
        else:
            return redirect("customers:import", import_uuid=customer_import.uuid)
    initial = {f"map_{k}": v for k, v in customer_import.mapping.items()}
    form = MappingForm(headers=customer_import.headers, initial=initial)
    return import_mapping_page(request, customer_import, form, encoding_form)


def import_mapping_page(request, customer_import, form, encoding_form) -> HttpResponse:
    context = {
        "job": customer_import,
        "form": form,
        "encoding_form": encoding_form,
        "preview": import_preview(customer_import=customer_import),
    }
    status = 400 if form.errors or encoding_form.errors else 200
    return render(request, "customers/import_detail.html", context, status=status)
