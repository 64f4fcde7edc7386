"""The browser side of text insight: highlighted texts, alerts, and the settings page."""

from __future__ import annotations

import pytest
from django.db import connection
from django.template import Context, Template
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from feedback.interactions.services import interaction_log
from feedback.models import FollowUpCase
from tests.helpers import answer
from tests.textanalysis.conftest import ANGRY
from textanalysis.models import Alert, Aspect, RescoreJob
from textanalysis.services import insight_settings_for
from textanalysis.templatetags.insight import Segment, segments

pytestmark = pytest.mark.django_db


def alert_of(item) -> Alert:
    return Alert.objects.get(source=item._meta.label, source_id=item.pk)


def page(client: Client, name: str, *args) -> str:
    response = client.get(reverse(name, args=args))
    assert response.status_code == 200
    return response.content.decode()


# --- The text with its judged words ----------------------------------------------------


class TestHighlightedText:
    def test_it_marks_the_words_and_escapes_the_customer_text(self, comment, alice, client_of):
        comment("<script>alert(1)</script> Great coffee", score=9)
        html = page(client_of(alice), "metrics:dashboard")
        assert "&lt;script&gt;alert(1)&lt;/script&gt; " in html
        assert "<script>alert(1)" not in html
        assert '<mark class="word word--pos" title="+3.10">Great</mark> coffee' in html
        assert "Positive" in html

    def test_markup_inside_a_judged_word_stays_text(self, comment, alice, client_of):
        comment("Lovely people & <b>wonderful</b> cake", score=9)
        html = page(client_of(alice), "metrics:dashboard")
        assert '<mark class="word word--pos" title="+2.80">Lovely</mark> people &amp; ' in html
        assert "&lt;b&gt;<mark" in html
        assert "<b>" not in html

    def test_negative_words_and_aspect_chips_use_the_business_names(
        self, comment, alice, client_of
    ):
        comment("The coffee was great but we waited 40 minutes", score=9)
        html = page(client_of(alice), "metrics:dashboard")
        assert "Wait time \u22120.20" in html
        assert "Quality +0.37" in html

    def test_renamed_aspects_show_their_new_name(self, comment, alice, business_a, client_of):
        comment("The coffee was great but we waited 40 minutes", score=9)
        Aspect.objects.filter(business=business_a, key="wait_time").update(name="Queueing")
        assert "Queueing \u22120.20" in page(client_of(alice), "metrics:dashboard")

    def test_a_text_in_another_language_is_not_scored_and_says_why(self, comment, alice, client_of):
        comment("Le café est bon", score=9)
        html = page(client_of(alice), "metrics:dashboard")
        assert "Not scored (not in English)" in html
        assert "<mark" not in html

    def test_a_text_without_known_words_says_so(self, comment, alice, client_of):
        comment("xyzzy qwrt", score=9)
        assert "Not scored (no words we can judge)" in page(client_of(alice), "metrics:dashboard")

    def test_a_text_not_analysed_yet_is_shown_plain(self, survey_a, alice, client_of):
        answer(survey_a, 9, "Great coffee")  # the worker has not run
        html = page(client_of(alice), "metrics:dashboard")
        assert "Being analysed…" in html
        assert "<mark" not in html
        assert "Great coffee" in html

    def test_aspect_names_are_read_once_per_page(self, comment, alice, client_of):
        for _ in range(4):
            comment("The coffee was great but we waited 40 minutes", score=9)
        with CaptureQueriesContext(connection) as queries:
            page(client_of(alice), "metrics:dashboard")
        aspect_reads = [q for q in queries if 'FROM "textanalysis_aspect"' in q["sql"]]
        assert len(aspect_reads) == 1

    def test_case_and_interaction_pages_show_the_highlights(
        self, comment, business_a, bob, alice, client_of, django_capture_on_commit_callbacks
    ):
        angry = comment(ANGRY)
        case = FollowUpCase.objects.get(response=angry.response)
        assert '<mark class="word word--neg"' in page(client_of(alice), "cases:detail", case.uuid)
        with django_capture_on_commit_callbacks(execute=True):
            note = interaction_log(
                business=business_a, staff=bob, channel="phone", note="A <i>lovely</i> chat"
            )
        client = client_of(bob)
        listing = page(client, "interactions:list")
        assert '<mark class="word word--pos" title="+2.80">lovely</mark>' in listing
        assert "&lt;i&gt;" in listing
        detail = page(client, "interactions:detail", note.uuid)
        assert '<mark class="word word--pos" title="+2.80">lovely</mark>' in detail


class TestSegments:
    def test_they_spell_the_whole_text(self):
        parts = segments("good and bad", {"words": [[9, 12, -1.5], [0, 4, 1.9]]})
        assert parts == [
            Segment("good", "pos", "+1.90"),
            Segment(" and "),
            Segment("bad", "neg", "\u22121.50"),
        ]

    @pytest.mark.parametrize(
        "words",
        [
            [[0, 99, 1.0]],  # past the end (the text changed)
            [[-1, 2, 1.0]],
            [[3, 3, 1.0]],
            [["0", "4", 1.0]],
            [[0, 4]],
            [[0, 4, "lots"]],
            [[0, 4, float("nan")]],
            "not a list",
            None,
        ],
    )
    def test_bad_offsets_are_skipped(self, words):
        assert segments("good", {"words": words}) == [Segment("good")]

    def test_an_overlapping_word_is_skipped(self):
        parts = segments("very good", {"words": [[0, 9, 2.0], [5, 9, 1.9]]})
        assert parts == [Segment("very good", "pos", "+2.00")]

    def test_a_malformed_explanation_shows_the_plain_text(self):
        assert segments("good", ["odd"]) == [Segment("good")]

    def test_the_tag_shows_nothing_for_a_missing_text(self):
        html = Template("{% load insight %}{% text_insight missing %}").render(Context({}))
        assert html.strip() == ""

    def test_the_tag_escapes_everything_it_is_given(self, comment):
        item = comment('"><img src=x onerror=alert(1)> great', score=9)
        html = Template("{% load insight %}{% text_insight item %}").render(Context({"item": item}))
        assert "<img" not in html
        assert "&lt;img src=x onerror=alert(1)&gt; " in html
        assert ">great</mark>" in html


# --- Alerts ----------------------------------------------------------------------------


class TestAlerts:
    def test_the_list_shows_newest_first_and_highlights_new_ones(self, comment, alice, client_of):
        first = alert_of(comment(ANGRY))
        second = alert_of(comment("Awful, rude, horrible. Never again."))
        Alert.objects.filter(pk=first.pk).update(acknowledged_at=first.created_at)
        html = page(client_of(alice), "textanalysis:alerts")
        assert html.index(str(second.uuid)) < html.index(str(first.uuid))
        assert html.count("alert alert--open") == 1

    def test_the_filter_hides_acknowledged_alerts(self, comment, alice, client_of):
        done = alert_of(comment(ANGRY))
        waiting = alert_of(comment("Awful, rude, horrible. Never again."))
        Alert.objects.filter(pk=done.pk).update(acknowledged_at=done.created_at)
        response = client_of(alice).get(reverse("textanalysis:alerts"), {"unacknowledged": "1"})
        html = response.content.decode()
        assert str(waiting.uuid) in html
        assert str(done.uuid) not in html

    def test_the_detail_shows_the_text_highlighted_with_its_case(self, comment, alice, client_of):
        angry = comment(ANGRY + " <script>x</script>")
        alert = alert_of(angry)
        case = FollowUpCase.objects.get(response=angry.response)
        html = page(client_of(alice), "textanalysis:alert", alert.uuid)
        assert '<mark class="word word--neg" title="\u22122.00">Rude</mark>' in html
        assert "&lt;script&gt;x&lt;/script&gt;" in html
        assert reverse("cases:detail", args=[case.uuid]) in html

    def test_an_interaction_alert_links_to_its_interaction(
        self, business_a, bob, client_of, django_capture_on_commit_callbacks
    ):
        with django_capture_on_commit_callbacks(execute=True):
            note = interaction_log(
                business=business_a, staff=bob, channel="phone",
                note="Customer furious, terrible experience, wants a refund.",
            )  # fmt: skip
        html = page(client_of(bob), "textanalysis:alert", alert_of(note).uuid)
        assert reverse("interactions:detail", args=[note.uuid]) in html
        assert '<mark class="word word--neg"' in html

    def test_a_deleted_text_leaves_the_excerpt(self, comment, alice, client_of):
        angry = comment(ANGRY)
        alert = alert_of(angry)
        angry.delete()
        html = page(client_of(alice), "textanalysis:alert", alert.uuid)
        assert ANGRY in html
        assert "has since been deleted" in html

    def test_acknowledging_records_who_and_goes_back(self, comment, bob, client_of):
        alert = alert_of(comment(ANGRY))
        url = reverse("textanalysis:alert_acknowledge", args=[alert.uuid])
        back = reverse("textanalysis:alerts") + "?unacknowledged=1"
        response = client_of(bob).post(url, {"next": back})
        assert response.status_code == 302
        assert response["Location"] == back
        alert.refresh_from_db()
        assert alert.acknowledged_by == bob
        assert alert.acknowledged_at is not None

    def test_acknowledging_ignores_a_foreign_next(self, comment, alice, client_of):
        alert = alert_of(comment(ANGRY))
        url = reverse("textanalysis:alert_acknowledge", args=[alert.uuid])
        response = client_of(alice).post(url, {"next": "https://evil.example/"})
        assert response["Location"] == reverse("textanalysis:alert", args=[alert.uuid])

    def test_acknowledging_needs_a_post(self, comment, alice, client_of):
        alert = alert_of(comment(ANGRY))
        url = reverse("textanalysis:alert_acknowledge", args=[alert.uuid])
        assert client_of(alice).get(url).status_code == 405

    def test_the_nav_counts_alerts_not_acknowledged(self, comment, alice, client_of):
        client = client_of(alice)
        assert 'class="nav-count"' not in page(client, "interactions:list")
        alert = alert_of(comment(ANGRY))
        alert_of(comment("Awful, rude, horrible. Never again."))
        assert '<span class="nav-count" aria-hidden="true">2</span>' in page(
            client, "interactions:list"
        )
        client.post(reverse("textanalysis:alert_acknowledge", args=[alert.uuid]))
        assert '<span class="nav-count" aria-hidden="true">1</span>' in page(
            client, "interactions:list"
        )

    def test_an_outsider_sees_none_of_them(self, comment, charlie, business_b, client_of):
        alert = alert_of(comment(ANGRY))
        client = client_of(charlie)
        html = page(client, "textanalysis:alerts")
        assert str(alert.uuid) not in html
        assert 'class="nav-count"' not in html
        assert client.get(reverse("textanalysis:alert", args=[alert.uuid])).status_code == 404
        ack = reverse("textanalysis:alert_acknowledge", args=[alert.uuid])
        assert client.post(ack).status_code == 404
        alert.refresh_from_db()
        assert alert.acknowledged_at is None

    def test_signing_in_comes_first(self, comment):
        alert = alert_of(comment(ANGRY))
        for url in [
            reverse("textanalysis:alerts"),
            reverse("textanalysis:alert", args=[alert.uuid]),
            reverse("textanalysis:settings"),
        ]:
            assert Client().get(url).status_code == 302


# --- Settings --------------------------------------------------------------------------


def settings_post(client: Client, **changes):
    data = {"alert_threshold": "-0.6", "urgent_terms": "refund*", "webhook_url": ""}
    return client.post(reverse("textanalysis:settings"), {**data, **changes})


class TestSettings:
    def test_managers_see_the_rules_and_aspects(self, mia, business_a, client_of):
        html = page(client_of(mia), "textanalysis:settings")
        assert "food poisoning" in html
        assert "Wait time" in html
        assert "Rescore all texts" in html

    def test_saving_parses_terms_by_line_or_comma(self, alice, business_a, client_of):
        response = settings_post(
            client_of(alice), alert_threshold="-0.4",
            urgent_terms="refund*\nmoney back,  lawyer , \nrefund*",
            webhook_url="https://hooks.example.com/x",
        )  # fmt: skip
        # The first webhook URL makes its signing secret: shown on this answer, not redirected.
        assert response.status_code == 200 and "whsec_" in response.content.decode()
        row = insight_settings_for(business_a)
        assert row.alert_threshold == -0.4
        assert row.urgent_terms == ["refund*", "money back", "lawyer"]
        assert row.webhook_url == "https://hooks.example.com/x"

    @pytest.mark.parametrize(
        ("changes", "message"),
        [
            ({"alert_threshold": "0.5"}, "The alert threshold must be between -1 and 0."),
            ({"alert_threshold": "-1.5"}, "The alert threshold must be between -1 and 0."),
            ({"alert_threshold": "lots"}, "Enter a number."),
            ({"webhook_url": "ftp://files.example.com/"}, "starting with http:// or https://"),
            ({"webhook_url": "javascript:alert(1)"}, "starting with http:// or https://"),
            ({"urgent_terms": "refund*, *"}, "“*” has no letters or digits."),
        ],
    )
    def test_bad_values_are_refused_next_to_their_field(
        self, alice, business_a, client_of, changes, message
    ):
        response = settings_post(client_of(alice), **changes)
        assert response.status_code == 400
        field = next(iter(changes))
        assert message in response.content.decode()
        assert field in response.context["form"].errors
        assert insight_settings_for(business_a).alert_threshold == -0.6

    def test_staff_are_refused(self, bob, business_a, client_of):
        client = client_of(bob)
        insight_settings_for(business_a)
        aspect = Aspect.objects.filter(business=business_a).first()
        assert client.get(reverse("textanalysis:settings")).status_code == 403
        assert settings_post(client, alert_threshold="-0.1").status_code == 403
        for url in [
            reverse("textanalysis:aspect_add"),
            reverse("textanalysis:aspect_edit", args=[aspect.uuid]),
            reverse("textanalysis:aspect_delete", args=[aspect.uuid]),
            reverse("textanalysis:rescore"),
        ]:
            assert client.post(url, {"name": "X", "terms": "x"}).status_code == 403
        assert insight_settings_for(business_a).alert_threshold == -0.6
        assert Aspect.objects.filter(pk=aspect.pk).exists()
        assert not RescoreJob.objects.exists()


class TestAspects:
    def aspect(self, business, key="wait_time") -> Aspect:
        insight_settings_for(business)
        return Aspect.objects.get(business=business, key=key)

    def test_adding_makes_the_key_from_the_name(self, alice, business_a, client_of):
        response = client_of(alice).post(
            reverse("textanalysis:aspect_add"),
            {"name": "Parking spaces", "terms": "parking, car park*\n, parking"},
        )
        assert response.status_code == 302
        added = Aspect.objects.get(business=business_a, key="parking_spaces")
        assert added.terms == ["parking", "car park*"]
        last = Aspect.objects.filter(business=business_a).order_by("position").last()
        assert last == added

    @pytest.mark.parametrize(
        ("data", "field", "message"),
        [
            ({"name": "", "terms": "x"}, "name", "This field is required."),
            ({"name": "   ", "terms": "x"}, "name", "This field is required."),
            ({"name": "Parking", "terms": " , "}, "terms", "Give at least one word or phrase"),
            ({"name": "Wait time", "terms": "x"}, "name", "already has the key “wait_time”"),
            ({"name": "Wait-time!", "terms": "x"}, "name", "already has the key “wait_time”"),
        ],
    )
    def test_adding_refuses_what_cannot_work(
        self, alice, business_a, client_of, data, field, message
    ):
        insight_settings_for(business_a)
        before = Aspect.objects.filter(business=business_a).count()
        response = client_of(alice).post(reverse("textanalysis:aspect_add"), data)
        assert response.status_code == 400
        assert field in response.context["aspect_form"].errors
        assert message in response.content.decode()
        assert Aspect.objects.filter(business=business_a).count() == before

    def test_editing_keeps_the_key(self, mia, business_a, client_of):
        aspect = self.aspect(business_a)
        client = client_of(mia)
        url = reverse("textanalysis:aspect_edit", args=[aspect.uuid])
        assert "wait*" in page(client, "textanalysis:aspect_edit", aspect.uuid)
        response = client.post(url, {"name": "Queueing", "terms": "queue*, wait*"})
        assert response.status_code == 302
        aspect.refresh_from_db()
        assert aspect.key == "wait_time"
        assert (aspect.name, aspect.terms) == ("Queueing", ["queue*", "wait*"])

    def test_editing_refuses_empty_terms(self, mia, business_a, client_of):
        aspect = self.aspect(business_a)
        url = reverse("textanalysis:aspect_edit", args=[aspect.uuid])
        response = client_of(mia).post(url, {"name": "Queueing", "terms": ","})
        assert response.status_code == 400
        assert "terms" in response.context["form"].errors
        aspect.refresh_from_db()
        assert aspect.name == "Wait time"

    def test_deleting_removes_it(self, alice, business_a, client_of):
        aspect = self.aspect(business_a)
        url = reverse("textanalysis:aspect_delete", args=[aspect.uuid])
        assert client_of(alice).post(url).status_code == 302
        assert not Aspect.objects.filter(pk=aspect.pk).exists()

    def test_an_outsider_cannot_touch_them(self, charlie, business_a, business_b, client_of):
        aspect = self.aspect(business_a)
        client = client_of(charlie)
        html = page(client, "textanalysis:settings")
        assert str(aspect.uuid) not in html
        edit = reverse("textanalysis:aspect_edit", args=[aspect.uuid])
        delete = reverse("textanalysis:aspect_delete", args=[aspect.uuid])
        assert client.get(edit).status_code == 404
        assert client.post(edit, {"name": "Mine now", "terms": "x"}).status_code == 404
        assert client.post(delete).status_code == 404
        aspect.refresh_from_db()
        assert aspect.name == "Wait time"


class TestRescore:
    def test_starting_runs_it_and_the_page_shows_progress(
        self, comment, alice, business_a, client_of, django_capture_on_commit_callbacks
    ):
        comment("Great coffee", score=9)
        comment(ANGRY)
        client = client_of(alice)
        with django_capture_on_commit_callbacks(execute=True):
            response = client.post(reverse("textanalysis:rescore"))
        assert response.status_code == 302
        job = RescoreJob.objects.get(business=business_a)
        assert (job.status, job.total, job.done, job.requested_by) == ("done", 2, 2, alice)
        html = page(client, "textanalysis:settings")
        assert 'id="rescore-status">Done<' in html
        assert "2 of 2 texts" in html
        assert 'value="100"' in html

    def test_a_queued_rescore_shows_no_second_button(self, alice, business_a, client_of):
        client = client_of(alice)
        client.post(reverse("textanalysis:rescore"))  # its task waits for the commit
        client.post(reverse("textanalysis:rescore"))
        assert RescoreJob.objects.filter(business=business_a).count() == 1
        html = page(client, "textanalysis:settings")
        assert "You can leave this page and come back; the work goes on." in html
        assert "js/progress.js" in html  # it follows the job without a reload
        assert f'action="{reverse("textanalysis:rescore")}"' not in html

    def test_an_outsider_sees_no_progress_of_another_business(
        self, alice, charlie, business_a, business_b, client_of
    ):
        client_of(alice).post(reverse("textanalysis:rescore"))
        html = page(client_of(charlie), "textanalysis:settings")
        assert 'id="rescore-status"' not in html
