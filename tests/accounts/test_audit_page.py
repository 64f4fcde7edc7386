"""The owner's audit page shows actions in words, times in the business's local time,
details as readable lines, and ignores a filter value it does not know (never a 500).

alice owns business A, mia manages it, bob is staff; charlie owns business B (the outsider).
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from pathlib import Path

import pytest
from django.conf import settings
from django.utils.functional import Promise

from accounts.audit_log import ACTION_LABELS, action_label
from accounts.models import AuditEntry, Business
from accounts.services import audit_record

pytestmark = pytest.mark.django_db

PAGE = "/accounts/audit/"
PAYLOAD = "<script>alert('x')</script>"
# audit_record(..., action="x.y"), and the helpers that call it: record(actor, "x.y", ...)
CALLED_WITH_AN_ACTION = re.compile(r'(?:audit|record)\([^"]*"([a-z_]+\.[a-z_]+)"')


def recorded(business, action: str, *, when: datetime | None = None, **detail) -> AuditEntry:
    entry = audit_record(business=business, actor=None, action=action, detail=detail)
    if when is not None:
        AuditEntry.objects.filter(pk=entry.pk).update(created_at=when)
    return entry


def rows(html: str) -> int:
    return html.count("<td><time datetime=")


def test_actions_are_shown_in_words_in_the_table_and_the_filter(alice, business_a, client_of):
    for action in ("case.update", "question.delete", "business.settings", "mystery.thing"):
        recorded(business_a, action)

    html = client_of(alice).get(PAGE).content.decode()

    assert ">Follow-up changed</td>" in html
    assert ">Survey question deleted</td>" in html
    assert ">Business settings changed</td>" in html
    assert ">mystery.thing</td>" in html  # an unknown code falls back to itself
    assert '<option value="case.update">Follow-up changed</option>' in html
    assert '<option value="mystery.thing">mystery.thing</option>' in html
    assert "<code>case.update</code>" not in html


def test_the_labels_are_translated_where_they_are_shown(alice, business_a, client_of):
    recorded(business_a, "case.update")
    assert all(isinstance(label, Promise) for label in ACTION_LABELS.values())

    html = client_of(alice).get(PAGE, HTTP_ACCEPT_LANGUAGE="es").content.decode()

    assert "Todas las acciones" in html and "Acción" in html
    assert ">Seguimiento cambiado</td>" in html


def test_text_that_looks_like_a_time_is_shown_as_typed(alice, business_a, client_of):
    """Only the keys the services write moments under are read as times: a business
    named like a time (at the calendar's end, where it has no local time) stays text."""
    Business.objects.filter(pk=business_a.pk).update(time_zone="Europe/Madrid")
    recorded(business_a, "business.settings",
             name={"from": "Cafe", "to": "9999-12-31T23:00:00-05:00"})  # fmt: skip
    recorded(business_a, "case.update", due_at="2030-01-02 10:00:00+00:00")

    reply = client_of(alice).get(PAGE)

    assert reply.status_code == 200
    html = reply.content.decode()
    assert "Cafe → 9999-12-31T23:00:00-05:00" in html
    assert "2 Jan 2030 11:00" in html  # a case's due time, in Madrid


def test_every_action_the_services_record_has_words():
    """A literal action="x.y" anywhere in the app's code, and the ones built from a
    status or a verb, are in the one mapping."""
    root = Path(settings.BASE_DIR)
    written = set()
    for path in root.glob("*/**/*.py"):
        if path.parts[len(root.parts)] in {"tests", ".venv", "bench"}:
            continue
        written |= set(CALLED_WITH_AN_ACTION.findall(path.read_text()))
    written |= {f"review_source.{verb}" for verb in ("create", "update", "archive")}
    written |= {f"review.reply_{status}" for status in ("posted", "copied", "failed")}

    assert {"case.update", "team.invite", "aspect.delete"} <= written  # the scan works
    assert written - ACTION_LABELS.keys() == set()
    assert action_label("team.invite") == "Team member invited"


def test_times_and_details_are_in_the_business_local_time(alice, business_a, client_of):
    Business.objects.filter(pk=business_a.pk).update(time_zone="America/New_York")
    recorded(
        business_a, "case.update", when=datetime(2026, 1, 10, 21, 46, tzinfo=UTC),
        due_at="2026-01-11 03:05:00+00:00", status="contacted", assignee=None,
    )  # fmt: skip
    recorded(
        business_a, "retention.anonymise", before="2025-07-01T12:00:00+00:00",
        counts={"answers": 3, "customers": 0},
    )  # fmt: skip

    html = client_of(alice).get(PAGE).content.decode()

    assert "10 Jan 2026 16:46:00</time>" in html and "21:46" not in html  # 5 hours behind
    assert "due_at: 10 Jan 2026 22:05" in html and "03:05" not in html
    assert "status: contacted<br>assignee: —" in html
    assert "before: 1 Jul 2025 08:00" in html  # summer time: 4 hours behind
    assert "counts: answers: 3; customers: 0" in html
    assert "{" not in html.split("<tbody>")[1].split("</tbody>")[0]  # no raw JSON


def test_a_change_reads_from_and_to(alice, business_a, client_of):
    recorded(
        business_a, "business.settings",
        time_zone={"from": "UTC", "to": "Europe/Madrid"}, retention_months={"from": None, "to": 24},
    )  # fmt: skip
    recorded(business_a, "customer.consent", consent_to_contact=False, source="staff")

    html = client_of(alice).get(PAGE).content.decode()

    # One line per key, in the order the database gives them (PostgreSQL's jsonb sorts
    # its keys, shortest first; SQLite keeps them as written).
    cells = re.findall(r"<td>([^<]*(?:<br>[^<]*)*)</td>\s*</tr>", html)
    assert sorted(cells[1].split("<br>")) == [
        "retention_months: — → 24", "time_zone: UTC → Europe/Madrid",
    ]  # fmt: skip
    assert sorted(cells[0].split("<br>")) == ["consent_to_contact: No", "source: staff"]


def test_details_are_escaped_at_every_depth(alice, business_a, client_of):
    recorded(
        business_a, "customer.update",
        fields=[PAYLOAD], name={"from": PAYLOAD, "to": "<b>x</b>"}, **{"<i>": "y"},
    )  # fmt: skip

    html = client_of(alice).get(PAGE).content.decode()

    assert "<script>alert" not in html and "<b>x" not in html and "<i>" not in html
    assert "fields: &lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt;" in html
    assert "name: &lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt; → &lt;b&gt;x&lt;/b&gt;" in html
    assert "&lt;i&gt;: y" in html


@pytest.mark.parametrize(
    "query",
    ["?action=", "?actor=abc", "?page=abc", "?page=-1", "?person=", "?action=nonsense&page=99",
     "?action=customer.view&action=nonsense", "?action=" + "x" * 5000],
)  # fmt: skip
def test_no_query_string_breaks_the_page(alice, business_a, client_of, query):
    recorded(business_a, "customer.view")
    recorded(business_a, "customer.export")

    reply = client_of(alice).get(PAGE + query)

    assert reply.status_code == 200
    html = reply.content.decode()
    assert rows(html) == 2 and "Select a valid choice" not in html


@pytest.mark.parametrize("query", ["?action=%00", "?page=%00", "?person=%00&action=%00"])
def test_a_nul_character_is_refused_before_the_page(alice, business_a, client_of, query):
    # PostgreSQL text cannot hold one: the project's middleware answers 400 for any page.
    assert client_of(alice).get(PAGE + query).status_code == 400


def test_an_unknown_action_shows_everything_and_says_so(alice, business_a, client_of):
    recorded(business_a, "customer.view")
    recorded(business_a, "customer.export")
    client = client_of(alice)

    html = client.get(f"{PAGE}?action=nonsense").content.decode()
    assert rows(html) == 2
    assert "Unknown action, showing every action." in html
    assert "nonsense" not in html  # the typed value is not echoed back

    html = client.get(f"{PAGE}?action=customer.view&person=nobody@x.example").content.decode()
    assert rows(html) == 1  # the known filter still applies
    assert "Unknown person, showing everyone." in html
    assert "Unknown action" not in html

    assert "Unknown" not in client.get(f"{PAGE}?action=customer.export").content.decode()


def test_an_outsider_sees_only_their_own_business(charlie, business_a, business_b, client_of):
    recorded(business_a, "customer.export", where="<a's secret>")
    recorded(business_b, "customer.view")
    client = client_of(charlie)

    reply = client.get(f"{PAGE}?action=customer.export")

    html = reply.content.decode()
    assert reply.status_code == 200 and rows(html) == 1
    assert "customer.export" not in html and "secret" not in html
    assert "Unknown action, showing every action." in html


def test_only_the_owner_reads_the_page(mia, bob, business_a, client_of):
    for user in (mia, bob):
        assert client_of(user).get(f"{PAGE}?action=nonsense").status_code == 403
