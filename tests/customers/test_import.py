from __future__ import annotations

import io
import time
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from accounts.services import location_create
from customers.importing import CleanRow, guess_mapping, parse_amount
from customers.imports import customers_for_rows
from customers.models import Customer, CustomerImport, ImportStatus, Purchase
from tests.factories import CustomerFactory

pytestmark = pytest.mark.django_db

POS_EXPORT = (
    "Order ID;Date;Customer;Email;Total;Store;Marketing opt-in\r\n"
    "A-1;05/03/2024 10:15;Dana Lee;dana@example.com;€12,50;High Street;yes\r\n"
    "A-2;06/03/2024;Dana Lee;DANA@example.com;1.234,50 EUR;High Street;yes\r\n"
    "A-1;05/03/2024 10:15;Dana Lee;dana@example.com;13,00;High Street;yes\r\n"
    "A-3;07/03/2024;Known Kim;kim@example.com;7.00;;no\r\n"
    "A-4;31/02/2024;Bad Date;bad@example.com;5;;\r\n"
    "A-5;08/03/2024;Neg Ned;ned@example.com;-5;;\r\n"
    "A-6;08/03/2024;Lost Lou;lou@example.com;5;Moon Base;\r\n"
    "A-7;08/03/2024;No Mail;not-an-email;5;;\r\n"
)


def upload(client, content: bytes, name: str = "export.csv"):
    return client.post("/customers/import/", {"file": SimpleUploadedFile(name, content)})


@pytest.fixture(autouse=True)
def run_tasks_on_commit(django_capture_on_commit_callbacks):
    """The import is handed to a worker on commit; run it as the test's request ends."""
    global _capture
    _capture = django_capture_on_commit_callbacks


def start(client, job, **mapping):
    data = {"day_first": "1", "currency": "EUR", **{f"map_{k}": v for k, v in mapping.items()}}
    with _capture(execute=True):
        return client.post(f"/customers/imports/{job.uuid}/", data)


POS_MAPPING = {"order_reference": "Order ID", "purchased_at": "Date", "name": "Customer",
               "email": "Email", "amount": "Total", "location": "Store",
               "consent": "Marketing opt-in"}  # fmt: skip


def test_a_pos_export_is_imported_merging_what_we_know(alice, business_a, client_of):
    location_create(business=business_a, name="High Street")
    kim = CustomerFactory(business=business_a, email="kim@example.com", name="Kim")
    client = client_of(alice)
    reply = upload(client, POS_EXPORT.encode("utf-8"))
    job = CustomerImport.objects.get()
    assert reply.url == f"/customers/imports/{job.uuid}/"
    assert job.mapping == POS_MAPPING  # guessed from the header names
    assert start(client, job, **POS_MAPPING).status_code == 302
    job.refresh_from_db()
    assert job.status == ImportStatus.DONE
    assert (job.total_rows, job.processed_rows) == (8, 8)
    # Taken: A-1's first row (new Dana). Merged: A-2 (Dana, added by row 2), A-1 again
    # (its order) and A-3 (Kim, known by e-mail).
    assert (job.taken, job.merged, job.refused) == (1, 3, 4)
    reasons = {r["row"]: r["reason"] for r in job.refusals}
    assert set(reasons) == {6, 7, 8, 9}
    assert "not a date" in reasons[6] and "negative" in reasons[7]
    assert "Unknown location" in reasons[8] and "not an e-mail" in reasons[9]
    dana = Customer.objects.get(email="dana@example.com")
    assert dana.consent_to_contact and dana.consent_source == "import"
    bought = Purchase.objects.filter(customer=dana).values_list("order_reference", "amount")
    assert sorted(bought) == [("A-1", Decimal("13.00")), ("A-2", Decimal("1234.50"))]
    assert Purchase.objects.get(order_reference="A-3").customer == kim
    assert Customer.objects.filter(business=business_a).count() == 2
    page = client.get(f"/customers/imports/{job.uuid}/").content.decode()
    assert "Unknown location “Moon Base”." in page


# Each row says what the report should count it as, and why.
COUNTED = (
    "Order,Date,Name,Email,Total\n"
    "B-1,2024-03-01,Kim,KIM@example.com,5\n"  # Kim, known by e-mail (any case): merged
    "B-2,2024-03-01,Eve,eve@example.com,5\n"  # new customer, new order: taken
    "B-3,2024-03-01,Eve,eve@example.com,6\n"  # Eve again, from the row above: merged
    "OLD-1,2024-03-01,Max,max@example.com,7\n"  # new Max, but a stored order: merged
    "B-2,2024-03-02,Eve,eve@example.com,8\n"  # B-2 again, from this file: merged
    ",2024-03-01,Walk-in,,4\n"  # no e-mail, no reference: taken
    "B-4,,Zed,zed@example.com,\n"  # a new customer without a purchase: taken
    "B-5,,Kim,kim@example.com,\n"  # Kim, without a purchase: merged
)


@pytest.mark.parametrize("chunk_rows", [2_000, 2])
def test_merged_counts_rows_that_landed_on_what_we_had(
    alice, business_a, client_of, monkeypatch, chunk_rows
):
    """Also when what a row merges with came in an earlier chunk of the file."""
    monkeypatch.setattr("customers.imports.CHUNK_ROWS", chunk_rows)
    kim = CustomerFactory(business=business_a, email="kim@example.com", name="Kim")
    old = Purchase.objects.create(
        business=business_a, customer=kim, purchased_at="2024-01-01T10:00Z", amount=1,
        currency="EUR", order_reference="OLD-1",
    )  # fmt: skip
    client = client_of(alice)
    upload(client, COUNTED.encode())
    job = CustomerImport.objects.get()
    start(client, job, order_reference="Order", purchased_at="Date", name="Name",
          email="Email", amount="Total")  # fmt: skip
    job.refresh_from_db()
    assert job.status == ImportStatus.DONE, job.failure
    assert (job.taken, job.merged, job.refused) == (3, 5, 0)
    assert Customer.objects.filter(business=business_a).count() == 5  # Kim, Eve, Max, ...
    assert Purchase.objects.filter(business=business_a).count() == 5  # B-1..3, OLD-1, walk-in
    old.refresh_from_db()
    assert (old.customer.email, old.amount) == ("max@example.com", Decimal("7.00"))
    assert Purchase.objects.get(order_reference="B-2").amount == Decimal("8.00")
    assert Purchase.objects.get(order_reference="B-1").customer == kim
    page = client.get(f"/customers/imports/{job.uuid}/").content.decode()
    assert 'id="count-taken" data-progress-field="taken">3<' in page
    assert 'id="count-merged" data-progress-field="merged">5<' in page
    assert "Added as new: rows that matched nothing we had" in page


# E-mails match in any case, whichever way they were stored or written in the file.
ANY_CASE = (
    "Order,Date,Name,Email,Total\n"
    "C-1,2024-03-01,Ann,ann@example.com,5\n"  # Ann, stored as Ann@Example.com: merged
    "C-2,2024-03-01,Kim,Kim@Example.COM,6\n"  # Kim, stored as kim@example.com: merged
    "C-3,2024-03-01,Zed,Zed@Example.com,7\n"  # new: taken
    "C-4,2024-03-02,Zed,zed@EXAMPLE.com,8\n"  # Zed again, from this file: merged
)


@pytest.mark.parametrize("chunk_rows", [2_000, 2])
def test_emails_are_matched_in_any_case(alice, business_a, client_of, monkeypatch, chunk_rows):
    """Also when the row a later one merges with was written in an earlier chunk."""
    monkeypatch.setattr("customers.imports.CHUNK_ROWS", chunk_rows)
    # Stored before the forms kept e-mails in lower case, or typed in the admin.
    ann = CustomerFactory(business=business_a, email="Ann@Example.com", name="Ann")
    kim = CustomerFactory(business=business_a, email="kim@example.com", name="Kim")
    client = client_of(alice)
    upload(client, ANY_CASE.encode())
    job = CustomerImport.objects.get()
    start(client, job, order_reference="Order", purchased_at="Date", name="Name",
          email="Email", amount="Total")  # fmt: skip
    job.refresh_from_db()
    assert job.status == ImportStatus.DONE, job.failure
    assert (job.taken, job.merged, job.refused) == (1, 3, 0)
    assert Customer.objects.filter(business=business_a).count() == 3
    assert Purchase.objects.get(order_reference="C-1").customer == ann
    assert Purchase.objects.get(order_reference="C-2").customer == kim
    zed = Purchase.objects.get(order_reference="C-3").customer
    assert Purchase.objects.get(order_reference="C-4").customer == zed
    ann.refresh_from_db()
    assert ann.email == "Ann@Example.com"  # a known customer's details stay as they were
    assert zed.email == "zed@example.com"  # kept in lower case, as the customer form does
    page = client.get(f"/customers/imports/{job.uuid}/").content.decode()
    assert 'id="count-taken" data-progress-field="taken">1<' in page
    assert 'id="count-merged" data-progress-field="merged">3<' in page


def test_a_chunk_finds_its_customers_in_one_query(business_a, django_assert_num_queries):
    ann = CustomerFactory(business=business_a, email="Ann@Example.com")
    bo = CustomerFactory(business=business_a, email="bo@example.com")
    rows = [CleanRow(line=2, email="ann@example.com"), CleanRow(line=3, email="BO@example.com"),
            CleanRow(line=4, email="aNN@example.com")]  # fmt: skip
    with django_assert_num_queries(1):
        found = customers_for_rows(business_a, rows)
    assert [found[id(row)] for row in rows] == [(ann, False), (bo, False), (ann, False)]


def test_rows_differing_in_case_make_one_new_customer(business_a):
    rows = [CleanRow(line=2, email="Zoe@Example.com"), CleanRow(line=3, email="zoe@example.COM")]
    found = customers_for_rows(business_a, rows)
    assert found[id(rows[0])][1] and found[id(rows[1])] == (found[id(rows[0])][0], False)
    assert Customer.objects.get(business=business_a).email == "Zoe@Example.com"


def test_another_business_customers_and_orders_are_not_merged_with(
    alice, business_a, business_b, client_of
):
    other = CustomerFactory(business=business_b, email="kim@example.com")
    Purchase.objects.create(
        business=business_b, customer=other, purchased_at="2024-01-01T10:00Z", amount=1,
        currency="EUR", order_reference="B-1",
    )  # fmt: skip
    client = client_of(alice)
    upload(client, b"Order,Date,Name,Email,Total\nB-1,2024-03-01,Kim,kim@example.com,5\n")
    job = CustomerImport.objects.get()
    start(client, job, order_reference="Order", purchased_at="Date", name="Name",
          email="Email", amount="Total")  # fmt: skip
    job.refresh_from_db()
    assert (job.taken, job.merged, job.refused) == (1, 0, 0)
    assert Purchase.objects.get(business=business_b).amount == Decimal("1.00")


def test_a_windows_export_is_read_and_said_so(alice, business_a, client_of):
    content = "Name,Email\nJosé Müller,jose@example.com\n".encode("cp1252")
    upload(client_of(alice), content)
    job = CustomerImport.objects.get()
    assert job.encoding == "cp1252"
    start(client_of(alice), job, name="Name", email="Email")
    assert Customer.objects.get().name == "José Müller"


def test_an_excel_unicode_text_export_is_read(alice, business_a, client_of):
    content = "Name\tEmail\nZoë Ñúñez\tzoe@example.com\n".encode("utf-16")
    upload(client_of(alice), content)
    job = CustomerImport.objects.get()
    assert (job.encoding, job.headers) == ("utf-16", ["Name", "Email"])
    start(client_of(alice), job, name="Name", email="Email")
    assert Customer.objects.get().name == "Zoë Ñúñez"


def test_a_file_not_in_the_chosen_encoding_is_refused(alice, business_a, client_of):
    content = "Name,Email\nJosé,jose@example.com\n".encode("cp1252")
    reply = client_of(alice).post(
        "/customers/import/", {"file": SimpleUploadedFile("x.csv", content), "encoding": "utf-8"}
    )
    assert reply.status_code == 400
    assert "The file is not UTF-8 text (byte 15 cannot be read)" in reply.content.decode()
    assert not CustomerImport.objects.exists()


def test_the_mapping_page_previews_rows_escaped_and_rereads(alice, business_a, client_of):
    client = client_of(alice)
    upload(client, b"Name,Email\n<script>x</script> Caf\xe9 \xa4,x@example.com\n")
    job = CustomerImport.objects.get()
    page = client.get(f"/customers/imports/{job.uuid}/").content.decode()
    assert "&lt;script&gt;x&lt;/script&gt; Café ¤" in page
    assert "<script>x</script>" not in page
    reply = client.post(f"/customers/imports/{job.uuid}/", {"encoding": "iso-8859-15"})
    assert reply.status_code == 302
    assert "Café €" in client.get(reply.url).content.decode()
    reply = client.post(f"/customers/imports/{job.uuid}/", {"encoding": "utf-8"})
    assert reply.status_code == 400
    assert "not UTF-8 text" in reply.content.decode()
    job.refresh_from_db()
    assert (job.encoding, job.status) == ("iso-8859-15", ImportStatus.UPLOADED)


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"", "The submitted file is empty."),
        (b"   \n  ", "The file is empty."),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00", "This is not a CSV file"),
        (b"Name,Name\nA,B\n", "must name each column once"),
    ],
)
def test_bad_files_are_refused_with_a_reason(alice, business_a, client_of, content, message):
    reply = upload(client_of(alice), content)
    assert reply.status_code == 400
    assert message in reply.content.decode()
    assert not CustomerImport.objects.exists()


def test_a_file_over_20_mb_is_refused(alice, business_a, client_of):
    content = b"Name,Email\n" + b"x,y@example.com\n" * (21 * 1024 * 1024 // 16)
    reply = upload(client_of(alice), content)
    assert reply.status_code == 400
    assert "Files up to 20 MB" in reply.content.decode()
    assert not CustomerImport.objects.exists()


def test_the_mapping_needs_an_identifier_and_whole_purchases(alice, business_a, client_of):
    upload(client_of(alice), b"Who,When,Total\nDana,2024-01-01,5\n")
    job = CustomerImport.objects.get()
    reply = start(client_of(alice), job, purchased_at="When")
    html = reply.content.decode()
    assert reply.status_code == 400
    assert "e-mail or name" in html and "both its date and its amount" in html
    job.refresh_from_db()
    assert job.status == ImportStatus.UPLOADED and not Customer.objects.exists()


def error_summary(html: str) -> str:
    summary = html[html.index('<div class="error-summary"') :]
    return summary[: summary.index("</div>")]


def test_a_refused_mapping_is_summed_up_at_the_top(
    alice, charlie, business_a, business_b, client_of
):
    upload(client_of(alice), b"Who,When,Total\nDana,2024-01-01,5\n")
    job = CustomerImport.objects.get()
    reply = start(client_of(alice), job, purchased_at="When")
    assert reply.status_code == 400
    html = reply.content.decode()
    summary = error_summary(html)
    assert "The columns need another look." in summary
    assert (
        '<li><a href="#id_map_email">E-mail: Choose the column with the customer&#x27;s'
        " e-mail or name.</a></li>" in summary
    )
    assert '<a href="#id_map_amount">Amount: A purchase needs both its date' in summary
    assert 'id="id_map_email"' in html and 'id="id_map_amount"' in html  # where links lead
    assert "<title>Error:" in html
    outsider = start(client_of(charlie), job, purchased_at="When")
    assert outsider.status_code == 404
    assert "error-summary" not in outsider.content.decode()


def test_a_column_the_file_lacks_is_summed_up_escaped(alice, business_a, client_of):
    upload(client_of(alice), b"Name,Email\nDana,dana@example.com\n")
    job = CustomerImport.objects.get()
    reply = start(client_of(alice), job, name="Name", location="<b>Nowhere</b>")
    assert reply.status_code == 400
    html = reply.content.decode()
    summary = error_summary(html)
    assert '<a href="#id_map_location">Location name: Select a valid choice.' in summary
    assert "&lt;b&gt;Nowhere&lt;/b&gt;" in summary and "<b>Nowhere" not in html
    job.refresh_from_db()
    assert job.status == ImportStatus.UPLOADED


def test_an_accepted_page_has_no_error_summary(alice, business_a, client_of):
    upload(client_of(alice), b"Name,Email\nDana,dana@example.com\n")
    job = CustomerImport.objects.get()
    html = client_of(alice).get(f"/customers/imports/{job.uuid}/").content.decode()
    assert "error-summary" not in html and "<title>Error:" not in html


@pytest.mark.parametrize(
    ("raw", "amount", "currency"),
    [("12.50", "12.50", ""), ("12,50", "12.50", ""), ("1.234,50", "1234.50", ""),
     ("1,234.50", "1234.50", ""), ("€12.50", "12.50", "EUR"), ("12.50 GBP", "12.50", "GBP"),
     ("1 234", "1234.00", ""), ("£3", "3.00", "GBP")],
)  # fmt: skip
def test_amounts_as_shops_write_them(raw, amount, currency):
    assert parse_amount(raw) == (Decimal(amount), currency)


@pytest.mark.parametrize("raw", ["-5", "five", "12..5.", ""])
def test_amounts_that_are_refused(raw):
    with pytest.raises(ValueError):
        parse_amount(raw)


@pytest.mark.parametrize(
    ("headers", "guess"),
    [
        (["Nº pedido", "Fecha", "Cliente", "Correo electrónico", "Teléfono", "Total", "Moneda",
          "Tienda", "Etiquetas"],
         {"order_reference": "Nº pedido", "purchased_at": "Fecha", "name": "Cliente",
          "email": "Correo electrónico", "phone": "Teléfono", "amount": "Total",
          "currency": "Moneda", "location": "Tienda", "tags": "Etiquetas"}),
        (["REFERENCIA", "fecha", "NOMBRE", "correo", "MÓVIL", "importe", "Sucursal"],
         {"order_reference": "REFERENCIA", "purchased_at": "fecha", "name": "NOMBRE",
          "email": "correo", "phone": "MÓVIL", "amount": "importe", "location": "Sucursal"}),
        (["Pedido", "Local", "Email", "Telefono", "Divisa"],
         {"order_reference": "Pedido", "location": "Local", "email": "Email",
          "phone": "Telefono", "currency": "Divisa"}),
        # A header naming a field beats one only saying whose it is, whatever the order.
        (["Nº cliente", "Email cliente", "Teléfono cliente", "Nombre cliente", "Fecha pedido",
          "Total pedido", "Número de pedido"],
         {"name": "Nombre cliente", "email": "Email cliente", "phone": "Teléfono cliente",
          "purchased_at": "Fecha pedido", "amount": "Total pedido",
          "order_reference": "Número de pedido"}),
        (["Transaction ID", "Customer ID", "Customer email", "Customer name", "Cell", "Site",
          "Labels"],
         {"order_reference": "Transaction ID", "name": "Customer name",
          "email": "Customer email", "phone": "Cell", "location": "Site", "tags": "Labels"}),
    ],
)  # fmt: skip
def test_guessing_knows_spanish_and_english_till_headers(headers, guess):
    assert guess_mapping(headers) == guess


def test_the_mapping_page_offers_the_guess_for_a_spanish_export(alice, business_a, client_of):
    client = client_of(alice)
    upload(client, "Pedido;Fecha;Cliente;Teléfono;Importe\n".encode("cp1252"))
    job = CustomerImport.objects.get()
    assert job.mapping["phone"] == "Teléfono"
    page = client.get(f"/customers/imports/{job.uuid}/").content.decode()
    assert '<option value="Teléfono" selected>' in page


def test_guessing_leaves_unknown_columns_alone():
    assert guess_mapping(["Colour", "E-mail address", "order_number"]) == {
        "email": "E-mail address", "order_reference": "order_number",
    }  # fmt: skip


@pytest.mark.parametrize("header", ["Local Time", "Local Tax", "Site Visits"])
def test_a_word_that_names_a_location_only_alone_is_no_location_within_a_header(header):
    assert guess_mapping(["Date", header, "Email", "Total"]) == {
        "email": "Email", "purchased_at": "Date", "amount": "Total",
    }  # fmt: skip
    assert guess_mapping(["Date", "Local", "Email"])["location"] == "Local"


def test_outsiders_and_staff_cannot_see_an_import(alice, bob, charlie, business_a, business_b,
                                                  client_of):  # fmt: skip
    upload(client_of(alice), b"Name,Email\nA,a@example.com\n")
    job = CustomerImport.objects.get()
    assert client_of(charlie).get(f"/customers/imports/{job.uuid}/").status_code == 404
    assert client_of(bob).get(f"/customers/imports/{job.uuid}/").status_code == 403
    assert start(client_of(charlie), job, name="Name").status_code == 404
    job.refresh_from_db()
    assert job.status == ImportStatus.UPLOADED


def test_an_import_of_100000_rows(alice, business_a, client_of):
    """A real 100,000-row export: 90,000 new customers with a purchase each, then 5,000
    rows that repeat an order and 5,000 new orders of customers from earlier rows (all
    merged, in later chunks than what they merge with); every 200th row has a bad amount
    (refused), and so does the row repeating it or buying again, 500 in all."""
    buffer = io.StringIO()
    buffer.write("order_id,date,name,email,amount\n")
    for n in range(100_000):
        # Who: rows from 90,000 on name a customer of an earlier row, by e-mail.
        who = n if n < 90_000 else (n - 90_000 if n < 95_000 else n - 95_000)
        order = who if 90_000 <= n < 95_000 else n  # these 5,000 repeat an earlier order
        amount = "-1" if n % 200 == 199 else f"{(n % 50) + 2}.50"
        buffer.write(
            f"O-{order},2024-0{1 + n % 9}-1{n % 10},Person {who},p{who}@example.com,{amount}\n"
        )
    client = client_of(alice)
    upload(client, buffer.getvalue().encode())
    job = CustomerImport.objects.get()
    started = time.monotonic()
    start(client, job, order_reference="order_id", purchased_at="date", name="name",
          email="email", amount="amount")  # fmt: skip
    job.refresh_from_db()
    assert job.status == ImportStatus.DONE, job.failure
    assert job.processed_rows == job.total_rows == 100_000
    assert (job.taken, job.merged, job.refused) == (89_550, 2 * 4_975, 500)
    assert Customer.objects.filter(business=business_a).count() == 89_550
    assert Purchase.objects.filter(business=business_a).count() == 89_550 + 4_975
    assert len(job.refusals) == 500
    assert time.monotonic() - started < 600  # a stuck import fails here rather than hanging CI
