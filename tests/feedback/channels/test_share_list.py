"""The Share page lists every invitation to the survey, 50 a page, newest first, under
a count of them by status."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from feedback.channels.invitations import new_token
from feedback.channels.selectors import invitation_counts
from feedback.models import Invitation, InvitationStatus
from tests.factories import CustomerFactory

pytestmark = pytest.mark.django_db

# 120 invitations: how many of each status.
STATUSES = [(InvitationStatus.SENT, 60), (InvitationStatus.ANSWERED, 30),
            (InvitationStatus.SKIPPED, 20), (InvitationStatus.SCHEDULED, 10)]  # fmt: skip


def invitations(survey, statuses=STATUSES) -> None:
    """Invitations n0 (the newest) to n<last>, each saying its number in its note."""
    customer = CustomerFactory(business=survey.business, name="Dana <b>")
    now = timezone.now()
    kinds = [status for status, count in statuses for _ in range(count)]
    Invitation.objects.bulk_create(
        Invitation(
            business=survey.business,
            survey=survey,
            customer=customer,
            token=new_token(),
            status=status,
            send_at=now,
            note=f"n{number}",
            created_at=now - timedelta(minutes=number),
        )
        for number, status in enumerate(kinds)
    )


def rows(html: str) -> list[str]:
    """The notes of the invitations listed, in order."""
    return [cell.split("</td>")[0] for cell in html.split("<td>n")[1:]]


def share(client, survey, query: str = "") -> str:
    reply = client.get(f"/surveys/{survey.uuid}/share/{query}")
    assert reply.status_code == 200
    return reply.content.decode()


@pytest.fixture
def listed(survey_a, survey_b):
    invitations(survey_a)
    invitations(survey_b, [(InvitationStatus.FAILED, 5)])  # another business's
    return survey_a


def test_the_list_is_paged_newest_first(alice, listed, client_of):
    client = client_of(alice)
    first, third = share(client, listed), share(client, listed, "?page=3")
    assert rows(first) == [str(n) for n in range(50)]
    assert rows(share(client, listed, "?page=2")) == [str(n) for n in range(50, 100)]
    assert rows(third) == [str(n) for n in range(100, 120)]
    assert "Page 1 of 3" in first and "Page 3 of 3" in third


@pytest.mark.parametrize(
    ("query", "page"), [("?page=abc", 1), ("?page=999", 3), ("?page=0", 3), ("?page=", 1)]
)
def test_a_page_that_is_not_there_shows_the_first_or_the_last(
    alice, listed, client_of, query, page
):
    html = share(client_of(alice), listed, query)
    assert f"Page {page} of 3" in html
    assert len(rows(html)) == (20 if page == 3 else 50)


def test_the_links_keep_the_other_parameters_and_lead_back_to_the_list(alice, listed, client_of):
    html = share(client_of(alice), listed, "?page=2&from=builder")
    base = f"/surveys/{listed.uuid}/share/"
    assert f'href="{base}?page=1&amp;from=builder#invitations">Newer<' in html
    assert f'href="{base}?page=3&amp;from=builder#invitations">Older<' in html


def test_a_refused_invite_form_pages_to_the_share_page(alice, listed, client_of):
    """The page shown again at the form's address (POST only) links to the Share page."""
    reply = client_of(alice).post(f"/surveys/{listed.uuid}/invite/", {"emails": "nope"})
    assert reply.status_code == 400
    assert f'href="/surveys/{listed.uuid}/share/?page=2#invitations"' in reply.content.decode()


def test_the_counts_by_status_are_of_every_invitation(alice, listed, client_of):
    html = share(client_of(alice), listed, "?page=3")
    counts = html.split('id="invitation-counts">')[1].split("</ul>")[0]
    assert counts == (
        "<li>Scheduled: 10</li><li>Sent: 60</li><li>Answered: 30</li>"
        "<li>Not sent: 20</li><li>Failed: 0</li>"
    )


def test_the_counts_are_one_query(listed, django_assert_num_queries):
    with django_assert_num_queries(1):
        counts = dict(invitation_counts(survey=listed))
    assert sum(counts.values()) == 120


def test_the_page_costs_the_same_queries_for_3_or_120_invitations(alice, survey_a, client_of):
    client = client_of(alice)
    invitations(survey_a, [(InvitationStatus.SENT, 3)])
    share(client, survey_a)  # warm caches (session, business)
    with CaptureQueriesContext(connection) as few:
        share(client, survey_a)
    invitations(survey_a)
    with CaptureQueriesContext(connection) as many:
        share(client, survey_a)
    assert len(many.captured_queries) == len(few.captured_queries)


def invitation_queries(queries) -> list[str]:
    return [q["sql"] for q in queries if 'FROM "feedback_invitation"' in q["sql"]]


@pytest.mark.parametrize(("query", "page"), [("", 1), ("?page=3", 3), ("?page=999", 3)])
def test_the_pager_counts_with_the_counts_by_status(alice, listed, client_of, query, page):
    """Two reads of the invitations (the counts, the page's rows): the pager takes its
    total from the counts instead of asking Django's Paginator for a third, COUNT(*)."""
    client = client_of(alice)
    share(client, listed)  # warm caches (session, business)
    with CaptureQueriesContext(connection) as queries:
        html = share(client, listed, query)
    read = invitation_queries(queries.captured_queries)
    assert len(read) == 2 and "COUNT(*)" not in " ".join(read)
    assert f"Page {page} of 3" in html
    assert rows(html) == [str(n) for n in range(50 * (page - 1), min(50 * page, 120))]


def test_no_invitations_no_list(alice, survey_a, client_of):
    html = share(client_of(alice), survey_a)
    assert 'id="invitation-counts"' not in html and 'class="pager"' not in html


def test_the_notes_and_names_are_escaped(alice, listed, client_of):
    html = share(client_of(alice), listed)
    assert "Dana &lt;b&gt;" in html and "Dana <b>" not in html


def test_outsiders_get_404_and_staff_403(bob, charlie, business_b, listed, client_of):
    for query in ["", "?page=2", "?page=abc"]:
        url = f"/surveys/{listed.uuid}/share/{query}"
        assert client_of(charlie).get(url).status_code == 404
        assert client_of(bob).get(url).status_code == 403
