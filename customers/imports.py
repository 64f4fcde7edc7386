"""Running a CSV import: upload, mapping, then chunks written by a worker with progress."""

from __future__ import annotations

from itertools import islice

from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import Business, Location, User
from accounts.services import audit_record
from cxplatform.celery import enqueue_on_commit
from cxplatform.errors import ApplicationError, Conflict

from .consent import change_for, consent_event, consent_events_record
from .importing import (
    CHUNK_ROWS,
    MAX_REFUSALS_KEPT,
    MAX_UPLOAD_BYTES,
    CleanRow,
    Decoded,
    ImportRefused,
    check_mapping,
    clean_row,
    decode,
    guess_mapping,
    preview,
    rows,
)
from .models import ConsentSource, Customer, CustomerImport, ImportStatus, Purchase
from .selectors import customers_by_email
from .services import purchases_changed


def import_upload(
    *, business: Business, user: User | None, name: str, content: bytes, encoding: str = ""
) -> CustomerImport:
    if len(content) > MAX_UPLOAD_BYTES:
        raise ApplicationError(
            _("The file is too large."),
            errors={"file": [_("Files up to 20 MB are accepted; split larger exports.")]},
        )
    decoded = decoded_or_refused(content, encoding)
    with transaction.atomic():
        job = CustomerImport.objects.create(
            business=business, created_by=user, file_name=name[:255], content=content,
            encoding=decoded.encoding, headers=decoded.headers,
            mapping=guess_mapping(decoded.headers),
        )  # fmt: skip
        # A file of customers' names and addresses came in: the owner knows who brought it.
        audit_record(
            business=business, actor=user, action="customer_import.upload", target=str(job.uuid)
        )
    return job


def import_reread(*, customer_import: CustomerImport, encoding: str) -> CustomerImport:
    """Read an uploaded file again in the encoding its owner chose."""
    if customer_import.status != ImportStatus.UPLOADED:
        raise Conflict(_("This import has already started."))
    decoded = decoded_or_refused(bytes(customer_import.content), encoding, field="encoding")
    changes = {"encoding": decoded.encoding}
    if decoded.headers != customer_import.headers:
        changes.update(headers=decoded.headers, mapping=guess_mapping(decoded.headers))
    # Only while still uploaded: a start in another request wins.
    CustomerImport.objects.filter(pk=customer_import.pk, status=ImportStatus.UPLOADED).update(
        **changes
    )
    customer_import.refresh_from_db()
    return customer_import


def import_preview(*, customer_import: CustomerImport) -> list[list[str]]:
    decoded = decode(bytes(customer_import.content), customer_import.encoding)
    return preview(decoded)


def decoded_or_refused(content: bytes, encoding: str, field: str = "file") -> Decoded:
    try:
        return decode(content, encoding)
    except ImportRefused as error:
        raise ApplicationError(str(error), errors={field: [str(error)]}) from None


def import_start(
    *, customer_import: CustomerImport, mapping: dict[str, str], options: dict
) -> None:
    """Check the owner's mapping and hand the import to a worker."""
    mapping = {k: v for k, v in mapping.items() if v}
    errors = check_mapping(mapping, customer_import.headers)
    if errors:
        raise ApplicationError(
            _("The columns need another look."), errors={k: [v] for k, v in errors.items()}
        )
    from .tasks import run_import

    with transaction.atomic():
        claimed = CustomerImport.objects.filter(
            pk=customer_import.pk, status=ImportStatus.UPLOADED
        ).update(mapping={**mapping, "_options": options}, status=ImportStatus.QUEUED)
        if claimed:
            enqueue_on_commit(run_import, customer_import.pk)


def import_run(*, import_id: int) -> None:
    """Claim a queued import and write it chunk by chunk, counting as it goes."""
    claimed = CustomerImport.objects.filter(pk=import_id, status=ImportStatus.QUEUED).update(
        status=ImportStatus.RUNNING, started_at=timezone.now()
    )
    if not claimed:
        return
    customer_import = CustomerImport.objects.select_related("business").get(pk=import_id)
    try:
        write_all(customer_import)
    except ImportRefused as error:
        finish(customer_import, ImportStatus.FAILED, str(error))
        return
    except Exception:
        # Chunks already written stay (each is whole); the owner sees where it stopped.
        finish(customer_import, ImportStatus.FAILED, _("The import stopped unexpectedly."))
        raise
    finish(customer_import, ImportStatus.DONE)


def finish(customer_import: CustomerImport, status: str, failure: str = "") -> None:
    CustomerImport.objects.filter(pk=customer_import.pk).update(
        status=status, failure=failure, finished_at=timezone.now()
    )
    # Even a failed import may have written whole chunks before it stopped.
    written = CustomerImport.objects.filter(pk=customer_import.pk).values_list(
        "processed_rows", flat=True
    )
    purchases_changed(business_id=customer_import.business_id, purchases=written.first() or 0)


def write_all(customer_import: CustomerImport) -> None:
    decoded = decode(bytes(customer_import.content), customer_import.encoding)
    mapping = dict(customer_import.mapping)
    options = mapping.pop("_options", {})
    business = customer_import.business
    all_rows = list(rows(decoded))
    CustomerImport.objects.filter(pk=customer_import.pk).update(total_rows=len(all_rows))
    locations = {loc.name.lower(): loc for loc in Location.objects.filter(business=business)}
    iterator = iter(all_rows)
    while chunk := list(islice(iterator, CHUNK_ROWS)):
        clean, refusals = [], []
        for line, row in chunk:
            try:
                cleaned = clean_row(
                    line, row, mapping, day_first=options.get("day_first", True),
                    time_zone=business.time_zone,
                    default_currency=options.get("currency", "EUR"),
                )  # fmt: skip
                if cleaned.location and cleaned.location.lower() not in locations:
                    raise ValueError(_("Unknown location “%(name)s”.") % {"name": cleaned.location})
                clean.append(cleaned)
            except ValueError as error:
                refusals.append({"row": line, "reason": str(error)})
        with transaction.atomic():
            taken, merged = write_chunk(business, clean, locations, origin=customer_import)
            record_progress(customer_import, len(chunk), taken, merged, refusals)


def record_progress(
    customer_import, processed: int, taken: int, merged: int, refusals: list
) -> None:
    current = CustomerImport.objects.filter(pk=customer_import.pk).values("refusals").get()
    kept = (current["refusals"] + refusals)[:MAX_REFUSALS_KEPT]
    CustomerImport.objects.filter(pk=customer_import.pk).update(
        processed_rows=F("processed_rows") + processed,
        taken=F("taken") + taken,
        merged=F("merged") + merged,
        refused=F("refused") + len(refusals),
        refusals=kept,
    )


def write_chunk(
    business: Business, clean: list[CleanRow], locations: dict,
    origin: CustomerImport | None = None,
) -> tuple[int, int]:  # fmt: skip
    """Write one chunk with a handful of queries; returns rows taken and rows merged.

    A row is merged when it landed on something we already had: a customer with its
    e-mail, or a purchase with its order reference (stored before, or written by an
    earlier row of the file). It is taken when it matched nothing and so created a new
    customer (and their purchase, if it has one). For a repeated order reference the
    later row's values win, as when a till exports a corrected order again.
    """
    customers = customers_for_rows(business, clean, origin=origin)
    references = {row.order_reference for row in clean if row.order_reference}
    # `order_reference <> ''` lets the partial unique index serve this lookup.
    stored = dict(
        Purchase.objects.filter(business=business, order_reference__in=references)
        .exclude(order_reference="")
        .values_list("order_reference", "pk")
    )
    new_by_ref: dict[str, Purchase] = {}
    without_ref: list[Purchase] = []
    updates: dict[int, Purchase] = {}
    taken = merged = 0
    for row in clean:
        customer, customer_is_new = customers[id(row)]
        order_is_known = False
        if row.amount is not None:  # else a customer-only row
            purchase = Purchase(
                business=business, customer=customer, purchased_at=row.purchased_at,
                amount=row.amount, currency=row.currency, order_reference=row.order_reference,
                location=locations.get(row.location.lower()) if row.location else None,
            )  # fmt: skip
            ref = row.order_reference
            order_is_known = ref in stored or ref in new_by_ref
            if ref in stored:
                purchase.pk = stored[ref]
                updates[purchase.pk] = purchase
            elif ref:
                new_by_ref[ref] = purchase
            else:
                without_ref.append(purchase)
        if customer_is_new and not order_is_known:
            taken += 1
        else:
            merged += 1
    Purchase.objects.bulk_create([*new_by_ref.values(), *without_ref], batch_size=1000)
    Purchase.objects.bulk_update(
        list(updates.values()),
        ["customer", "purchased_at", "amount", "currency", "location"],
        batch_size=1000,
    )
    return taken, merged


def customers_for_rows(
    business: Business, clean: list[CleanRow], origin: CustomerImport | None = None
) -> dict:
    """Each row's customer and whether this row created it: found by e-mail in any case
    (stored, or created by an earlier row of the file), else created with the e-mail as
    the row has it; a row without an e-mail is a new customer. A consent column is taken
    for new customers only, each answer kept in their consent history."""
    # Any case, as the customer form and API match e-mails: one customer per address.
    known = customers_by_email(business=business, emails=(row.email for row in clean))
    created: dict[str, Customer] = {}
    without_email: list[Customer] = []
    by_row: dict[int, tuple[Customer, bool]] = {}
    now = timezone.now()
    for row in clean:
        key = row.email.lower()
        if key in known:
            by_row[id(row)] = (known[key], False)
            continue
        if key in created:
            by_row[id(row)] = (created[key], False)
            continue
        customer = Customer(
            business=business, name=row.name, email=row.email, phone=row.phone, tags=row.tags,
            consent_to_contact=bool(row.consent),
            consent_recorded_at=now if row.consent is not None else None,
            consent_source="import" if row.consent is not None else "",
        )  # fmt: skip
        if row.email:
            created[key] = customer
        else:
            without_email.append(customer)
        by_row[id(row)] = (customer, True)
    new_customers = [*created.values(), *without_email]
    Customer.objects.bulk_create(new_customers, batch_size=1000)
    answered = [c for c in new_customers if c.consent_recorded_at is not None]
    consent_events_record(import_consent_event(customer, origin, now) for customer in answered)
    return by_row


def import_consent_event(customer: Customer, origin: CustomerImport | None, now):
    """The consent column's answer for a customer the import created."""
    return consent_event(
        customer=customer, change=change_for(customer.consent_to_contact),
        source=ConsentSource.IMPORT, actor=origin.created_by if origin else None,
        detail=origin.file_name if origin else "", at=now,
    )  # fmt: skip
