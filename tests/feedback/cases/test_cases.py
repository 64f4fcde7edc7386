from __future__ import annotations

import json
import re
from datetime import UTC, datetime, timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from accounts.models import AuditEntry, Business, Role
from accounts.services import membership_add
from feedback.cases.selectors import case_summary, median_hours_to_resolve
from feedback.cases.services import case_note_add, case_update, cases_open_for_negative_answers
from feedback.models import (
    Answer,
    CaseReason,
    CaseStatus,
    FollowUpCase,
    Question,
    QuestionKind,
    Survey,
)
from feedback.services import response_submit
from tests.factories import CustomerFactory, InteractionFactory, UserFactory
from tests.helpers import answer

pytestmark = pytest.mark.django_db


def case_of(response) -> FollowUpCase:
    return FollowUpCase.objects.get(response=response)


class TestOpening:
    def test_a_detractor_opens_a_case_for_the_owner(self, survey_a, alice):
        response = answer(survey_a, 6)
        case = case_of(response)
        assert case.reason == CaseReason.DETRACTOR
        assert case.status == CaseStatus.OPEN
        assert case.assignee == alice
        assert timedelta(hours=47) < case.due_at - case.created_at <= timedelta(hours=48)

    @pytest.mark.parametrize("score", [7, 8, 9, 10])
    def test_passives_and_promoters_open_none(self, survey_a, score):
        answer(survey_a, score)
        assert not FollowUpCase.objects.exists()

    @pytest.mark.parametrize(("score", "opens"), [(1, True), (2, True), (3, False), (5, False)])
    def test_a_csat_of_1_or_2_opens_a_case(self, business_a, score, opens):
        survey = Survey.objects.create(business=business_a, name="After visit")
        csat = Question.objects.create(
            business=business_a, survey=survey, position=1, kind=QuestionKind.CSAT,
            prompt="How satisfied were you?",
        )  # fmt: skip
        response = response_submit(survey=survey, raw_answers={str(csat.uuid): score})
        cases = FollowUpCase.objects.filter(response=response, reason=CaseReason.LOW_CSAT)
        assert cases.exists() is opens

    def test_a_negative_comment_opens_a_case_after_scoring(
        self, survey_a, django_capture_on_commit_callbacks
    ):
        with django_capture_on_commit_callbacks(execute=True):
            response = answer(survey_a, 9, "Rude staff, awful coffee, terrible experience.")
        assert case_of(response).reason == CaseReason.NEGATIVE_COMMENT

    def test_a_positive_comment_opens_none(self, survey_a, django_capture_on_commit_callbacks):
        with django_capture_on_commit_callbacks(execute=True):
            answer(survey_a, 9, "Lovely people, wonderful coffee!")
        assert not FollowUpCase.objects.exists()

    def test_a_detractor_with_a_negative_comment_opens_one_case(
        self, survey_a, django_capture_on_commit_callbacks
    ):
        with django_capture_on_commit_callbacks(execute=True):
            response = answer(survey_a, 2, "Awful. Rude and slow.")
        assert FollowUpCase.objects.filter(response=response).count() == 1
        assert case_of(response).reason == CaseReason.DETRACTOR
        # A retried scoring batch changes nothing either.
        written = dict(Answer.objects.exclude(text="").values_list("pk", "created_at"))
        cases_open_for_negative_answers(written=written)
        assert FollowUpCase.objects.count() == 1

    def test_an_old_negative_comment_scored_late_opens_none(self, survey_a):
        answer(survey_a, 9, "Rude staff, awful coffee, terrible experience.")  # not scored yet
        Answer.objects.update(created_at=timezone.now() - timedelta(days=60))
        ids = list(Answer.objects.exclude(text="").values_list("pk", flat=True))
        from textanalysis.services import texts_score

        texts_score(model=Answer, ids=ids)
        assert Answer.objects.get(pk=ids[0]).sentiment_label == "negative"
        assert not FollowUpCase.objects.exists()

    def test_a_batch_mixing_history_and_fresh_comments_opens_cases_for_the_fresh(self, survey_a):
        fresh = answer(survey_a, 9, "Rude staff, awful coffee, terrible experience.")
        old = answer(survey_a, 9, "Awful, cold and rude.")
        Answer.objects.filter(response=old).update(created_at=timezone.now() - timedelta(days=60))
        from textanalysis.services import texts_score

        ids = list(Answer.objects.exclude(text="").values_list("pk", flat=True))
        texts_score(model=Answer, ids=ids)
        labels = set(Answer.objects.filter(pk__in=ids).values_list("sentiment_label", flat=True))
        assert labels == {"negative"}
        assert case_of(fresh).reason == CaseReason.NEGATIVE_COMMENT
        assert not FollowUpCase.objects.filter(response=old).exists()

    def test_history_alone_is_not_even_read(self, survey_a, django_assert_num_queries):
        answer(survey_a, 9, "Rude staff, awful coffee, terrible experience.")
        Answer.objects.update(sentiment_label="negative")
        long_ago = timezone.now() - timedelta(days=60)
        written = dict.fromkeys(Answer.objects.values_list("pk", flat=True), long_ago)
        with django_assert_num_queries(0):
            cases_open_for_negative_answers(written=written)
        assert not FollowUpCase.objects.exists()

    def test_a_negative_staff_note_opens_a_case_for_its_logger(
        self, business_a, bob, django_capture_on_commit_callbacks
    ):
        from feedback.interactions.services import interaction_log

        with django_capture_on_commit_callbacks(execute=True):
            interaction = interaction_log(
                business=business_a, staff=bob, channel="phone",
                note="Customer furious, terrible experience, wants a refund.",
            )  # fmt: skip
        case = FollowUpCase.objects.get(interaction=interaction)
        assert case.reason == CaseReason.NEGATIVE_COMMENT
        assert case.assignee == bob


@pytest.fixture
def case(survey_a, business_a):
    customer = CustomerFactory(business=business_a, name="Dana", email="dana@example.com")
    response = answer(survey_a, 3, "Cold coffee")
    response.customer = customer
    response.save()
    FollowUpCase.objects.filter(response=response).update(customer=customer)
    InteractionFactory(business=business_a, customer=customer, note="Dana called about a refund")
    return case_of(response)


class TestWorking:
    def test_the_detail_shows_the_customer_and_their_history(self, case, alice, client_of):
        html = client_of(alice).get(f"/cases/{case.uuid}/").content.decode()
        assert "Dana" in html
        assert "Cold coffee" in html
        assert "Dana called about a refund" in html

    def test_status_changes_stamp_their_time(self, case, alice, client_of):
        client = client_of(alice)
        due = timezone.localtime(case.due_at).strftime("%Y-%m-%dT%H:%M")
        reply = client.post(
            f"/cases/{case.uuid}/update/",
            {"status": "contacted", "assignee": alice.pk, "due_at": due},
        )
        assert reply.status_code == 302
        assert "Case saved." in client.get(reply.url).content.decode()
        case.refresh_from_db()
        assert case.status == CaseStatus.CONTACTED
        assert case.contacted_at is not None and case.resolved_at is None
        client.post(
            f"/cases/{case.uuid}/update/",
            {"status": "resolved", "assignee": alice.pk, "due_at": due},
        )
        case.refresh_from_db()
        assert case.resolved_at >= case.contacted_at

    def test_times_are_shown_and_typed_in_the_business_local_time(
        self, case, alice, business_a, client_of
    ):
        Business.objects.filter(pk=business_a.pk).update(time_zone="America/New_York")
        opened, due = (
            datetime(2026, 1, 10, 21, 46, tzinfo=UTC),
            datetime(2026, 1, 11, 3, 5, tzinfo=UTC),
        )
        FollowUpCase.objects.filter(pk=case.pk).update(created_at=opened, due_at=due)
        client = client_of(alice)

        page = client.get(f"/cases/{case.uuid}/").content.decode()

        assert "10 Jan 2026 16:46" in page and "21:46" not in page  # 5 hours behind UTC
        assert "10 Jan 2026 22:05" in page  # the due time, a day earlier than in UTC
        assert 'value="2026-01-10 22:05:00"' in page or 'value="2026-01-10T22:05"' in page
        client.post(
            f"/cases/{case.uuid}/update/",
            {"status": "open", "assignee": alice.pk, "due_at": "2026-01-12T09:00"},
        )
        case.refresh_from_db()
        assert case.due_at == datetime(2026, 1, 12, 14, 0, tzinfo=UTC)

    @pytest.mark.parametrize(
        ("typed", "stored"),
        [("2026-11-01T01:30", datetime(2026, 11, 1, 5, 30, tzinfo=UTC)),  # twice: the first
         ("2026-03-08T02:30", datetime(2026, 3, 8, 7, 30, tzinfo=UTC))],  # skipped: 03:30 EDT
    )  # fmt: skip
    def test_a_due_time_when_the_clocks_change_is_taken(
        self, case, alice, business_a, client_of, typed, stored
    ):
        """New York's clocks go back on 1 November 2026 (01:00-02:00 comes twice) and
        forward on 8 March 2026 (02:00-03:00 never comes)."""
        Business.objects.filter(pk=business_a.pk).update(time_zone="America/New_York")
        reply = client_of(alice).post(
            f"/cases/{case.uuid}/update/",
            {"status": "open", "assignee": alice.pk, "due_at": typed},
        )
        assert reply.status_code == 302
        case.refresh_from_db()
        assert case.due_at == stored

    def test_a_manager_reassigns_and_a_bad_due_date_is_refused(self, case, mia, bob, client_of):
        client = client_of(mia)
        bad = client.post(
            f"/cases/{case.uuid}/update/", {"status": "open", "assignee": bob.pk, "due_at": "soon"}
        )
        assert bad.status_code == 400
        assert "Enter a valid date/time." in bad.content.decode()
        client.post(
            f"/cases/{case.uuid}/update/",
            {"status": "open", "assignee": bob.pk, "due_at": "2030-01-02T10:00"},
        )
        case.refresh_from_db()
        assert case.assignee == bob
        assert case.due_at.year == 2030

    def test_an_outsider_cannot_be_assigned(self, case, alice, charlie, client_of):
        reply = client_of(alice).post(
            f"/cases/{case.uuid}/update/",
            {"status": "open", "assignee": charlie.pk, "due_at": "2030-01-02T10:00"},
        )
        assert reply.status_code == 400
        case.refresh_from_db()
        assert case.assignee != charlie

    def test_notes_are_kept_and_escaped(self, case, alice, client_of):
        client = client_of(alice)
        client.post(f"/cases/{case.uuid}/notes/", {"text": "Called <b>Dana</b>, sent voucher"})
        assert case.notes.get().author == alice
        html = client.get(f"/cases/{case.uuid}/").content.decode()
        assert "Called &lt;b&gt;Dana&lt;/b&gt;, sent voucher" in html and "Note added." in html
        assert client.post(f"/cases/{case.uuid}/notes/", {"text": ""}).status_code == 400

    def test_no_notes_yet_is_spaced_from_the_note_form(self, case, alice, client_of):
        html = client_of(alice).get(f"/cases/{case.uuid}/").content.decode()
        empty = html.index("No notes yet.")
        form = html.index('id="case-note-form"')
        assert empty < form < html.index("Add a note")
        assert 'id="case-note-form" style="margin-top:1.5rem"' in html

    def test_a_refused_save_keeps_what_was_typed_and_a_resend_changes_nothing(
        self, case, mia, bob, client_of
    ):
        client = client_of(mia)
        typed = {"status": "resolved", "assignee": bob.pk, "due_at": "<b>soon</b>"}
        for _ in range(2):  # the browser's reload sends it again
            bad = client.post(f"/cases/{case.uuid}/update/", typed)
            html = bad.content.decode()
            assert bad.status_code == 400 and "Enter a valid date/time." in html
            assert 'value="&lt;b&gt;soon&lt;/b&gt;"' in html and "<b>soon" not in html
            assert '<option value="resolved" selected>' in html
        case.refresh_from_db()
        assert case.status == CaseStatus.OPEN and case.resolved_at is None
        assert not AuditEntry.objects.filter(action="case.update").exists()

        good = {**typed, "due_at": "2030-01-02T10:00"}
        for _ in range(2):  # sent twice: the second changes and records nothing
            assert client.post(f"/cases/{case.uuid}/update/", good).status_code == 302
        case.refresh_from_db()
        assert (case.status, case.assignee) == (CaseStatus.RESOLVED, bob)
        (entry,) = AuditEntry.objects.filter(action="case.update")
        assert entry.detail["status"] == "resolved" and "due_at" in entry.detail

    def test_unassigning_is_recorded_as_nobody(self, case, alice, client_of):
        client_of(alice).post(
            f"/cases/{case.uuid}/update/",
            {"status": "open", "assignee": "", "due_at": "2030-01-02T10:00"},
        )
        case.refresh_from_db()
        assert case.assignee is None
        assert AuditEntry.objects.get(action="case.update").detail["assignee"] is None

    def test_a_note_sent_twice_is_added_once(self, case, alice, bob, client_of):
        client = client_of(alice)
        for _ in range(2):
            reply = client.post(f"/cases/{case.uuid}/notes/", {"text": "Called, no answer"})
            assert reply.status_code == 302
        assert case.notes.count() == 1
        client.post(f"/cases/{case.uuid}/notes/", {"text": "Left a voicemail"})
        client.post(f"/cases/{case.uuid}/notes/", {"text": "Called, no answer"})  # again, later
        assert case.notes.count() == 3
        FollowUpCase.objects.filter(pk=case.pk).update(assignee=bob)
        client_of(bob).post(f"/cases/{case.uuid}/notes/", {"text": "Called, no answer"})
        assert case.notes.filter(author=bob).count() == 1  # someone else's is their own

    def test_a_save_from_the_page_records_only_what_was_changed(self, case, alice, client_of):
        """The form shows the due time to the minute, the stored one has seconds: saving
        a new status with the due time as shown changes (and records) the status only."""
        client = client_of(alice)
        # As a case is opened: 48 hours after a moment, to the microsecond.
        FollowUpCase.objects.filter(pk=case.pk).update(
            due_at=datetime(2030, 1, 2, 10, 0, 37, 123456, tzinfo=UTC)
        )
        page = client.get(f"/cases/{case.uuid}/").content.decode()
        shown = re.search(r'name="due_at" value="([^"]+)"', page)[1]
        owner = re.search(r'<option value="([^"]*)" selected>', page.split('name="assignee"')[1])[1]

        client.post(
            f"/cases/{case.uuid}/update/",
            {"status": "contacted", "due_at": shown, "assignee": owner},
        )

        (entry,) = AuditEntry.objects.filter(action="case.update")
        assert sorted(entry.detail) == ["contacted_at", "status"]
        case.refresh_from_db()
        assert case.status == CaseStatus.CONTACTED and case.due_at.second == 37

    def test_notes_without_an_author_are_each_kept(self, case):
        """An API key's notes have no author to tell a resend from a repeated note."""
        for _ in range(2):
            case_note_add(case=case, author=None, text="SMS sent")
        assert case.notes.count() == 2

    def test_the_same_note_much_later_is_a_new_note(self, case, alice, client_of):
        client = client_of(alice)
        client.post(f"/cases/{case.uuid}/notes/", {"text": "Called, no answer"})
        case.notes.update(created_at=timezone.now() - timedelta(minutes=5))
        client.post(f"/cases/{case.uuid}/notes/", {"text": "Called, no answer"})
        assert case.notes.count() == 2

    def test_staff_see_their_own_and_unassigned_cases_only(self, case, bob, client_of):
        # The case is Alice's: Bob may not open it, and does not see it in his queue.
        client = client_of(bob)
        assert client.get(f"/cases/{case.uuid}/").status_code == 403
        assert str(case.uuid) not in client.get("/cases/").content.decode()
        FollowUpCase.objects.filter(pk=case.pk).update(assignee=None)
        assert client.get(f"/cases/{case.uuid}/").status_code == 200

    def test_staff_cannot_reassign(self, case, bob, alice, client_of):
        FollowUpCase.objects.filter(pk=case.pk).update(assignee=bob)
        client_of(bob).post(
            f"/cases/{case.uuid}/update/",
            {"status": "contacted", "assignee": alice.pk, "due_at": "2030-01-02T10:00"},
        )
        case.refresh_from_db()
        assert case.assignee == bob
        assert case.status == CaseStatus.CONTACTED

    def test_outsiders_get_404_everywhere(self, case, charlie, business_b, client_of):
        client = client_of(charlie)
        assert client.get(f"/cases/{case.uuid}/").status_code == 404
        assert client.post(f"/cases/{case.uuid}/notes/", {"text": "x"}).status_code == 404
        assert client.post(f"/cases/{case.uuid}/update/", {"status": "resolved"}).status_code == 404
        assert client.get(f"/api/v1/cases/{case.uuid}/").status_code == 404
        assert client.get("/api/v1/cases/").json()["results"] == []
        case.refresh_from_db()
        assert case.status == CaseStatus.OPEN and not case.notes.exists()


class TestSummary:
    def test_open_overdue_and_median_time_to_resolve(self, survey_a, business_a):
        for _ in range(5):
            answer(survey_a, 0)
        cases = list(FollowUpCase.objects.order_by("id"))
        now = timezone.now()
        # Resolved after 2 h, 4 h and 10 h: the median is 4 h. One open case is overdue.
        for case, hours in zip(cases[:3], [2, 4, 10], strict=True):
            FollowUpCase.objects.filter(pk=case.pk).update(
                created_at=now - timedelta(hours=24), status=CaseStatus.RESOLVED,
                resolved_at=now - timedelta(hours=24) + timedelta(hours=hours),
            )  # fmt: skip
        FollowUpCase.objects.filter(pk=cases[3].pk).update(due_at=now - timedelta(hours=1))
        summary = case_summary(business=business_a)
        assert (summary.open, summary.overdue, summary.resolved_recently) == (2, 1, 3)
        assert summary.median_hours_to_resolve == 4.0

    def test_an_even_count_averages_the_middle_two(self, survey_a, business_a):
        for _ in range(4):
            answer(survey_a, 0)
        now = timezone.now()
        for case, hours in zip(FollowUpCase.objects.order_by("id"), [1, 2, 4, 30], strict=True):
            FollowUpCase.objects.filter(pk=case.pk).update(
                created_at=now - timedelta(hours=40), status=CaseStatus.RESOLVED,
                resolved_at=now - timedelta(hours=40) + timedelta(hours=hours),
            )  # fmt: skip
        assert case_summary(business=business_a).median_hours_to_resolve == 3.0

    def test_the_median_reads_the_resolved_cases_index_alone(self, business_a):
        """Its first query (PostgreSQL's only one) names the resolved status (the
        condition of case_resolved_times) and reads only the columns that index holds."""
        index = next(i for i in FollowUpCase._meta.indexes if i.name == "case_resolved_times")
        held = {FollowUpCase._meta.get_field(f).column for f in (*index.fields, *index.include)}
        with CaptureQueriesContext(connection) as captured:
            median_hours_to_resolve(business=business_a, since=timezone.now())
        sql = captured.captured_queries[0]["sql"]
        assert '"feedback_followupcase"."status" = \'resolved\'' in sql
        read = set(re.findall(r'"feedback_followupcase"\."(\w+)"', sql)) - {"status"}
        assert read <= held, read - held

    def test_no_resolved_cases_means_no_median(self, business_a):
        assert case_summary(business=business_a).median_hours_to_resolve is None

    def test_owners_see_the_summary_and_staff_do_not(self, survey_a, alice, bob, client_of):
        answer(survey_a, 1)
        assert 'id="sum-open">1<' in client_of(alice).get("/cases/").content.decode()
        assert "sum-open" not in client_of(bob).get("/cases/").content.decode()


class TestApi:
    def patch(self, client, case, body):
        return client.patch(
            f"/api/v1/cases/{case.uuid}/", data=json.dumps(body), content_type="application/json"
        )

    def test_an_update_costs_the_same_queries_however_many_notes(self, case, mia, client_of):
        """The case is read again under a lock without losing what the view loaded (its
        notes and their authors): no query per note."""
        client = client_of(mia)

        def queries_of_an_update(status: str) -> int:
            with CaptureQueriesContext(connection) as queries:
                assert self.patch(client, case, {"status": status}).status_code == 200
            return len(queries)

        case_note_add(case=case, author=mia, text="Called, no answer")
        one_note = queries_of_an_update("contacted")
        for n in range(5):
            case_note_add(case=case, author=mia, text=f"Tried again ({n})")
        assert queries_of_an_update("resolved") == one_note
        assert len(self.patch(client, case, {"status": "resolved"}).json()["notes"]) == 6

    def test_a_manager_updates_and_notes_a_case(self, case, mia, bob, client_of):
        client = client_of(mia)
        reply = self.patch(client, case, {"status": "resolved", "assignee": "bob@a.example"})
        assert reply.status_code == 200, reply.content
        assert reply.json()["status"] == "resolved"
        assert reply.json()["assignee"] == "bob@a.example"
        note = client.post(
            f"/api/v1/cases/{case.uuid}/notes/", data=json.dumps({"text": "Refunded"}),
            content_type="application/json",
        )  # fmt: skip
        assert note.status_code == 201
        assert client.get(f"/api/v1/cases/{case.uuid}/").json()["notes"][0]["text"] == "Refunded"

    def test_errors_name_the_field(self, case, alice, charlie, client_of):
        reply = self.patch(
            client_of(alice), case, {"status": "lost", "assignee": "charlie@b.example"}
        )
        assert reply.status_code == 400
        assert set(reply.json()["errors"]) == {"status", "assignee"}

    def test_staff_cannot_assign_through_the_api(self, case, bob, client_of):
        FollowUpCase.objects.filter(pk=case.pk).update(assignee=bob)
        reply = self.patch(client_of(bob), case, {"assignee": None})
        assert reply.status_code == 403
        case.refresh_from_db()
        assert case.assignee == bob

    def test_staff_list_only_their_own_and_unassigned(self, case, survey_a, business_a, client_of):
        helper = UserFactory(email="helper@a.example")
        membership_add(business=business_a, user=helper, role=Role.STAFF)
        FollowUpCase.objects.filter(pk=case.pk).update(assignee=helper)
        mine = client_of(helper).get("/api/v1/cases/").json()["results"]
        assert [c["uuid"] for c in mine] == [str(case.uuid)]


class TestAMemberLeaves:
    """Removing someone from the team hands their unfinished cases back to the queue."""

    def test_their_open_cases_are_unassigned_and_their_resolved_ones_keep_them(
        self, survey_a, survey_b, alice, bob, business_a, client_of
    ):
        open_case, contacted, resolved, elsewhere = (
            case_of(answer(survey, 2)) for survey in (survey_a, survey_a, survey_a, survey_b)
        )
        FollowUpCase.objects.filter(pk__in=[open_case.pk, contacted.pk, resolved.pk]).update(
            assignee=bob
        )
        FollowUpCase.objects.filter(pk=contacted.pk).update(status=CaseStatus.CONTACTED)
        FollowUpCase.objects.filter(pk=resolved.pk).update(status=CaseStatus.RESOLVED)
        FollowUpCase.objects.filter(pk=elsewhere.pk).update(assignee=bob)  # not A's to free
        member = business_a.memberships.get(user=bob)
        reply = client_of(alice).post(f"/accounts/team/members/{member.uuid}/remove/")
        assert reply.status_code == 302
        assignees = dict(FollowUpCase.objects.values_list("pk", "assignee"))
        assert assignees == {
            open_case.pk: None, contacted.pk: None, resolved.pk: bob.pk, elsewhere.pk: bob.pk
        }  # fmt: skip
        entry = AuditEntry.objects.get(business=business_a, action="team.remove")
        assert entry.detail["cases_unassigned"] == "2"


def test_two_members_saving_a_case_at_once_are_applied_one_after_the_other(case, alice, bob):
    """Each read the case before the other saved: the second is compared with what the
    first wrote (case_update reads it again under a lock), not with its own stale copy."""
    alices_copy = FollowUpCase.objects.get(pk=case.pk)
    bobs_copy = FollowUpCase.objects.get(pk=case.pk)
    case_update(case=alices_copy, actor=alice, status=CaseStatus.RESOLVED)
    resolved_at = FollowUpCase.objects.get(pk=case.pk).resolved_at

    returned = case_update(case=bobs_copy, actor=bob, status=CaseStatus.RESOLVED)

    assert returned.resolved_at == resolved_at  # Bob's save changed nothing
    assert AuditEntry.objects.filter(action="case.update").count() == 1
    case_update(case=bobs_copy, actor=bob, status=CaseStatus.CONTACTED)
    stored = FollowUpCase.objects.get(pk=case.pk)
    assert (stored.status, stored.resolved_at) == (CaseStatus.CONTACTED, None)
    assert AuditEntry.objects.filter(action="case.update").count() == 2
