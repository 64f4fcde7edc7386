from __future__ import annotations

import pytest

from accounts.models import AuditEntry
from feedback.builder.services import QuestionInput, question_add
from feedback.catalog import TEMPLATES
from feedback.models import Answer, Question, QuestionKind, Survey
from feedback.services import response_submit
from journeys.models import Touchpoint
from tests.helpers import answer, with_answered_follow_up

pytestmark = pytest.mark.django_db


def created(business, name: str) -> Survey:
    return Survey.objects.get(business=business, name=name)


def test_an_owner_creates_a_survey_from_a_template(alice, business_a, client_of):
    client = client_of(alice)
    reply = client.post("/surveys/", {"template": "beauty.visit", "name": ""})
    survey = created(business_a, "After a visit")
    assert reply.url == f"/surveys/{survey.uuid}/"
    kinds = list(survey.questions.values_list("kind", flat=True))
    assert kinds == ["nps", "text", "text", "ces", "csat"]
    sorry, praise = survey.questions.filter(kind="text")
    assert (sorry.show_if_min, sorry.show_if_max) == (0, 6)
    assert (praise.show_if_min, praise.show_if_max) == (9, 10)
    assert (
        "Alice's Café made it easy for me to book my appointment."
        in survey.questions.values_list("prompt", flat=True)
    )
    page = client.get(reply.url).content.decode()
    assert "After a visit" in page


def test_every_template_builds(alice, business_a, client_of):
    client = client_of(alice)
    for key in TEMPLATES:
        assert client.post("/surveys/", {"template": key, "name": key}).status_code == 302
    assert Survey.objects.filter(business=business_a).count() == len(TEMPLATES) + 1


def test_a_blank_survey_needs_a_name(alice, business_a, client_of):
    reply = client_of(alice).post("/surveys/", {"template": "", "name": ""})
    assert reply.status_code == 400
    assert "Name the survey." in reply.content.decode()


def test_questions_are_added_edited_moved_and_removed(mia, business_a, client_of):
    client = client_of(mia)
    client.post("/surveys/", {"template": "", "name": "Quick poll"})
    survey = created(business_a, "Quick poll")
    base = f"/surveys/{survey.uuid}/"
    assert client.post(base + "questions/", {"kind": "csat", "prompt": "Happy?",
                                             "required": "on"}).status_code == 302  # fmt: skip
    client.post(base + "questions/", {"kind": "single_choice", "prompt": "Seat?",
                                      "choices": "Inside\nTerrace\nInside"})  # fmt: skip
    happy, seat = survey.questions.order_by("position")
    assert seat.choices == ["Inside", "Terrace"]
    client.post(base + f"questions/{seat.uuid}/move/", {"direction": "up"})
    assert list(survey.questions.values_list("prompt", flat=True)) == ["Seat?", "Happy?"]
    client.post(base + f"questions/{happy.uuid}/", {"kind": "csat", "prompt": "Satisfied?"})
    happy.refresh_from_db()
    assert (happy.prompt, happy.required) == ("Satisfied?", False)
    client.post(base + f"questions/{seat.uuid}/delete/")
    assert list(survey.questions.values_list("prompt", "position")) == [("Satisfied?", 1)]


def test_a_follow_up_with_its_condition(alice, survey_a, client_of):
    nps = survey_a.questions.get(kind="nps")
    reply = client_of(alice).post(
        f"/surveys/{survey_a.uuid}/questions/",
        {"kind": "text", "prompt": "What did you love?", "show_if_question": str(nps.uuid),
         "show_if_min": "9", "show_if_max": "10"},
    )  # fmt: skip
    assert reply.status_code == 302
    follow_up = survey_a.questions.get(prompt="What did you love?")
    assert (follow_up.show_if_question, follow_up.show_if_min) == (nps, 9)


@pytest.mark.parametrize(
    ("data", "field_message"),
    [
        ({"kind": "single_choice", "prompt": "Pick", "choices": "Only one"},
         "Give at least two different options."),
        ({"kind": "trust", "prompt": "They care"}, "Choose the pillar of trust"),
        ({"kind": "text", "prompt": ""}, "This field is required."),
        ({"kind": "text", "prompt": "Why?", "show_if_question": "NPS", "show_if_min": "11"},
         "Use numbers from 0 to 10."),
        ({"kind": "text", "prompt": "Why?", "show_if_question": "NPS"},
         "Say which answers lead to this follow-up."),
        ({"kind": "sketch", "prompt": "Draw"}, "Select a valid choice."),
    ],
)  # fmt: skip
def test_bad_questions_are_refused_beside_the_field(alice, survey_a, client_of, data,
                                                    field_message):  # fmt: skip
    if data.get("show_if_question") == "NPS":
        data = {**data, "show_if_question": str(survey_a.questions.get(kind="nps").uuid)}
    before = Question.objects.count()
    reply = client_of(alice).post(f"/surveys/{survey_a.uuid}/questions/", data)
    assert reply.status_code == 400
    assert field_message in reply.content.decode()
    assert Question.objects.count() == before


def test_a_follow_up_cannot_move_above_its_question(alice, survey_a, client_of):
    nps = survey_a.questions.get(kind="nps")
    client = client_of(alice)
    client.post(f"/surveys/{survey_a.uuid}/questions/", {"kind": "text", "prompt": "Why low?",
                "show_if_question": str(nps.uuid), "show_if_max": "6"})  # fmt: skip
    follow_up = survey_a.questions.get(prompt="Why low?")
    client.post(f"/surveys/{survey_a.uuid}/questions/{follow_up.uuid}/move/", {"direction": "up"})
    client.post(f"/surveys/{survey_a.uuid}/questions/{follow_up.uuid}/move/", {"direction": "up"})
    follow_up.refresh_from_db()
    assert follow_up.position > nps.position


def test_trust_items_are_added_with_their_pillars(alice, survey_a, client_of):
    client_of(alice).post(f"/surveys/{survey_a.uuid}/trust-items/")
    pillars = list(
        survey_a.questions.filter(kind=QuestionKind.TRUST).values_list("pillar", flat=True)
    )
    assert pillars == ["reliability", "integrity", "competence", "benevolence"]


def test_settings_are_saved(alice, survey_a, client_of):
    checkout = Touchpoint.objects.get(business=survey_a.business, key="purchase")
    reply = client_of(alice).post(
        f"/surveys/{survey_a.uuid}/",
        {"name": "Tell us", "intro": "Two minutes", "privacy_note": "We keep it safe",
         "touchpoint": str(checkout.uuid), "status": "closed", "language": "es"},
    )  # fmt: skip
    assert reply.status_code == 302
    survey_a.refresh_from_db()
    assert (survey_a.name, survey_a.status, survey_a.allow_anonymous, survey_a.language) == (
        "Tell us", "closed", False, "es",
    )  # fmt: skip
    assert survey_a.touchpoint == checkout


def test_the_touchpoint_must_be_the_businesss_own(alice, survey_a, business_b, client_of):
    theirs = Touchpoint.objects.filter(business=business_b).first()
    reply = client_of(alice).post(
        f"/surveys/{survey_a.uuid}/",
        {"name": "Tell us", "touchpoint": str(theirs.uuid), "status": "active"},
    )
    assert reply.status_code == 400
    assert "Select a valid choice" in reply.content.decode()
    survey_a.refresh_from_db()
    assert survey_a.touchpoint.key == "visit"


def test_staff_cannot_build(bob, survey_a, client_of):
    client = client_of(bob)
    assert client.get("/surveys/").status_code == 403
    assert client.get(f"/surveys/{survey_a.uuid}/").status_code == 403
    assert client.post(f"/surveys/{survey_a.uuid}/trust-items/").status_code == 403


def test_outsiders_get_404_on_every_builder_url(charlie, business_b, survey_a, client_of):
    question = survey_a.questions.first()
    client = client_of(charlie)
    base = f"/surveys/{survey_a.uuid}/"
    reads = ["", f"questions/{question.uuid}/", f"questions/{question.uuid}/delete/"]
    for path in [base + read for read in reads]:
        assert client.get(path).status_code == 404, path
    writes = ["questions/", "trust-items/", f"questions/{question.uuid}/delete/",
              f"questions/{question.uuid}/move/"]  # fmt: skip
    for path in [base + write for write in writes]:
        data = {"kind": "text", "prompt": "x", "confirm": "yes"}
        assert client.post(path, data).status_code == 404, path
    assert survey_a.questions.count() == 2
    assert "Alice" not in client.get("/surveys/").content.decode()


def test_removing_a_question_with_answers_asks_first(alice, survey_a, client_of):
    nps, _follow_up = with_answered_follow_up(survey_a)
    client = client_of(alice)
    path = f"/surveys/{survey_a.uuid}/questions/{nps.uuid}/delete/"
    for reply in (client.get(path), client.post(path)):  # the page's Remove button POSTs
        assert reply.status_code == 200
        page = reply.content.decode()
        assert "Removing this question also deletes 2 answers and 1 follow-up question." in page
        assert 'name="confirm" value="yes"' in page
        assert 'name="answers" value="2"' in page and 'name="follow_ups" value="1"' in page
    assert survey_a.questions.count() == 3 and Answer.objects.count() == 2
    reply = client.post(path, {"confirm": "yes", "answers": "2", "follow_ups": "1"}, follow=True)
    assert "Question removed with 2 answers and 1 follow-up question." in reply.content.decode()
    assert list(survey_a.questions.values_list("kind", "position")) == [("text", 1)]
    assert not Answer.objects.exists()
    entry = AuditEntry.objects.get(action="question.delete")
    assert (entry.actor, entry.target) == (alice, str(nps.uuid))
    assert entry.detail == {"survey": str(survey_a.uuid), "answers": 2, "follow_ups": 1}


def test_a_removal_is_asked_again_when_answers_arrived_after_the_counts(alice, survey_a, client_of):
    nps, follow_up = with_answered_follow_up(survey_a)
    client = client_of(alice)
    path = f"/surveys/{survey_a.uuid}/questions/{nps.uuid}/delete/"
    assert 'name="answers" value="2"' in client.get(path).content.decode()
    # A customer answers while the owner reads the page.
    response_submit(survey=survey_a, raw_answers={str(nps.uuid): 2, str(follow_up.uuid): "Cold"})

    reply = client.post(path, {"confirm": "yes", "answers": "2", "follow_ups": "1"})

    assert reply.status_code == 409
    page = reply.content.decode()
    assert "More answers arrived after the counts you confirmed." in page
    assert "Removing this question also deletes 4 answers and 1 follow-up question." in page
    assert 'name="answers" value="4"' in page
    assert survey_a.questions.count() == 3 and Answer.objects.count() == 4
    assert not AuditEntry.objects.filter(action="question.delete").exists()
    # Confirmed again on the new counts, it goes.
    reply = client.post(path, {"confirm": "yes", "answers": "4", "follow_ups": "1"}, follow=True)
    assert "Question removed with 4 answers and 1 follow-up question." in reply.content.decode()
    assert not Answer.objects.exists()


def test_a_removal_is_asked_again_when_a_follow_up_was_added(alice, survey_a, client_of):
    nps = survey_a.questions.get(kind="nps")
    client = client_of(alice)
    path = f"/surveys/{survey_a.uuid}/questions/{nps.uuid}/delete/"
    question_add(
        survey=survey_a,
        data=QuestionInput(kind="text", prompt="Why?", show_if_question=nps, show_if_max=6),
    )
    reply = client.post(path, {"confirm": "yes", "answers": "0", "follow_ups": "0"})
    assert reply.status_code == 409
    assert "More follow-up questions were added after the counts you confirmed." in (
        reply.content.decode()
    )
    assert survey_a.questions.count() == 3


@pytest.mark.parametrize(
    "data",
    [{"confirm": "yes"}, {"confirm": "yes", "answers": "lots", "follow_ups": "1"},
     {"answers": "2", "follow_ups": "1"}],
)  # fmt: skip
def test_a_confirmation_without_its_counts_asks_again(alice, survey_a, client_of, data):
    nps, _follow_up = with_answered_follow_up(survey_a)
    reply = client_of(alice).post(f"/surveys/{survey_a.uuid}/questions/{nps.uuid}/delete/", data)
    assert reply.status_code == 200
    assert 'name="answers" value="2"' in reply.content.decode()
    assert survey_a.questions.count() == 3 and Answer.objects.count() == 2


def test_outsiders_cannot_confirm_a_removal(charlie, business_b, survey_a, client_of):
    nps, _follow_up = with_answered_follow_up(survey_a)
    reply = client_of(charlie).post(
        f"/surveys/{survey_a.uuid}/questions/{nps.uuid}/delete/",
        {"confirm": "yes", "answers": "2", "follow_ups": "1"},
    )
    assert reply.status_code == 404
    assert survey_a.questions.count() == 3 and Answer.objects.count() == 2


def test_a_question_nothing_relies_on_is_removed_at_once(alice, survey_a, client_of):
    reason = survey_a.questions.get(kind="text")
    path = f"/surveys/{survey_a.uuid}/questions/{reason.uuid}/delete/"
    reply = client_of(alice).post(path, follow=True)
    assert "Question removed." in reply.content.decode()
    assert list(survey_a.questions.values_list("kind", flat=True)) == ["nps"]


def test_the_type_of_an_answered_question_cannot_change(alice, survey_a, client_of):
    nps = survey_a.questions.get(kind="nps")
    answer(survey_a, 9)
    path = f"/surveys/{survey_a.uuid}/questions/{nps.uuid}/"
    reply = client_of(alice).post(path, {"kind": "text", "prompt": "Anything?"})
    assert reply.status_code == 400
    assert reply.context["form"].errors["kind"] == [
        "This question has 1 answer; its type can't change. Add a new question instead."
    ]
    nps.refresh_from_db()
    assert nps.kind == "nps"
    # Its wording may still change.
    reply = client_of(alice).post(path, {"kind": "nps", "prompt": "Recommend us?"})
    assert reply.status_code == 302


def test_the_type_of_a_question_with_follow_ups_cannot_change(alice, survey_a, client_of):
    nps = survey_a.questions.get(kind="nps")
    question_add(
        survey=survey_a,
        data=QuestionInput(kind="text", prompt="Why?", show_if_question=nps, show_if_max=6),
    )
    reply = client_of(alice).post(
        f"/surveys/{survey_a.uuid}/questions/{nps.uuid}/", {"kind": "csat", "prompt": "Happy?"}
    )
    assert reply.status_code == 400
    assert set(reply.context["form"].errors) == {"kind"}
    assert "1 follow-up question depends" in reply.context["form"].errors["kind"][0]
    nps.refresh_from_db()
    assert nps.kind == "nps"


def test_trust_items_are_added_once(alice, survey_a, client_of):
    client = client_of(alice)
    path = f"/surveys/{survey_a.uuid}/trust-items/"
    client.post(path)
    trust = survey_a.questions.filter(kind=QuestionKind.TRUST)
    trust.get(pillar="integrity").delete()
    assert "1 trust item added." in client.post(path, follow=True).content.decode()
    again = client.post(path, follow=True).content.decode()
    assert "This survey has the four trust items already." in again
    assert sorted(trust.values_list("pillar", flat=True)) == sorted(
        ["reliability", "integrity", "competence", "benevolence"]
    )


@pytest.mark.parametrize(
    ("typed", "fields"),
    [
        ({"show_if_min": "1", "show_if_max": "3"}, {"show_if_min", "show_if_max"}),
        ({"show_if_max": "3"}, {"show_if_max"}),
        ({"show_if_choices": "Inside"}, {"show_if_choices"}),
    ],
)
def test_a_condition_without_a_question_to_follow_is_refused(
    alice, survey_a, client_of, typed, fields
):
    reply = client_of(alice).post(
        f"/surveys/{survey_a.uuid}/questions/",
        {"kind": "text", "prompt": "Why?", "show_if_question": "", **typed},
    )
    assert reply.status_code == 400
    assert set(reply.context["question_form"].errors) == fields
    assert survey_a.questions.count() == 2


def test_the_name_help_says_a_blank_survey_needs_one(alice, business_a, client_of):
    page = client_of(alice).get("/surveys/").content.decode()
    assert "A blank survey needs a name" in page


def test_saving_settings_says_so(alice, survey_a, client_of):
    reply = client_of(alice).post(
        f"/surveys/{survey_a.uuid}/", {"name": "Tell us", "status": "active"}, follow=True
    )
    assert "Settings saved." in reply.content.decode()


def test_a_follow_up_made_always_asked_drops_the_condition_its_form_showed(
    alice, survey_a, client_of
):
    nps = survey_a.questions.get(kind="nps")
    client = client_of(alice)
    client.post(
        f"/surveys/{survey_a.uuid}/questions/",
        {"kind": "text", "prompt": "What went wrong?", "show_if_question": str(nps.uuid),
         "show_if_min": "0", "show_if_max": "6"},
    )  # fmt: skip
    follow_up = survey_a.questions.get(prompt="What went wrong?")
    assert (follow_up.show_if_question, follow_up.show_if_max) == (nps, 6)

    # The edit form sends the range it shows back, with "Always ask" chosen.
    reply = client.post(
        f"/surveys/{survey_a.uuid}/questions/{follow_up.uuid}/",
        {"kind": "text", "prompt": "What went wrong?", "show_if_question": "",
         "show_if_min": "0", "show_if_max": "6"},
    )  # fmt: skip

    assert reply.status_code == 302
    follow_up.refresh_from_db()
    assert follow_up.show_if_question is None
    assert (follow_up.show_if_min, follow_up.show_if_max) == (None, None)
    changed = client.post(
        f"/surveys/{survey_a.uuid}/questions/{follow_up.uuid}/",
        {"kind": "text", "prompt": "What went wrong?", "show_if_question": "", "show_if_max": "3"},
    )  # fmt: skip
    assert changed.status_code == 400  # a range typed anew, with no question to follow
    assert set(changed.context["form"].errors) == {"show_if_max"}


SCALE_MESSAGE = "The question this follows is a scale: give a range of numbers, not options."
CHOICE_MESSAGE = (
    "The question this follows offers options: pick some of them, not a range of numbers."
)


def with_seat_question(survey: Survey) -> Question:
    return question_add(
        survey=survey,
        data=QuestionInput(kind="single_choice", prompt="Seat?", choices=["Inside", "Terrace"]),
    )


def as_posted(form) -> dict:
    """What the browser sends back from a form as the page shows it."""
    data = {}
    for field in form:
        value = field.value()
        if field.widget_type == "checkbox":
            if value:
                data[field.html_name] = "on"
        else:
            data[field.html_name] = "" if value is None else str(value)
    return data


@pytest.mark.parametrize(
    ("source", "typed", "field", "message"),
    [
        ("nps", {"show_if_min": "0", "show_if_max": "6", "show_if_choices": "Inside"},
         "show_if_choices", SCALE_MESSAGE),
        ("nps", {"show_if_choices": "Inside"}, "show_if_choices", SCALE_MESSAGE),
        ("seat", {"show_if_choices": "Inside", "show_if_max": "3"}, "show_if_max", CHOICE_MESSAGE),
        ("seat", {"show_if_min": "1"}, "show_if_min", CHOICE_MESSAGE),
    ],
)  # fmt: skip
def test_a_condition_that_does_not_fit_the_question_followed_is_refused(
    alice, survey_a, client_of, source, typed, field, message
):
    seat = with_seat_question(survey_a)
    followed = seat if source == "seat" else survey_a.questions.get(kind="nps")
    reply = client_of(alice).post(
        f"/surveys/{survey_a.uuid}/questions/",
        {"kind": "text", "prompt": "Why?", "show_if_question": str(followed.uuid), **typed},
    )
    assert reply.status_code == 400
    assert reply.context["question_form"].errors == {field: [message]}
    assert survey_a.questions.count() == 3


@pytest.mark.parametrize("source", ["nps", "seat"])
def test_a_follow_up_saved_as_its_edit_page_shows_it_is_kept(alice, survey_a, client_of, source):
    seat = with_seat_question(survey_a)
    nps = survey_a.questions.get(kind="nps")
    condition = (
        {"show_if_question": seat, "show_if_choices": ["Terrace"]}
        if source == "seat"
        else {"show_if_question": nps, "show_if_min": 0, "show_if_max": 6}
    )
    follow_up = question_add(survey=survey_a, data=QuestionInput(kind="text", prompt="Why?",
                                                                 **condition))  # fmt: skip
    client = client_of(alice)
    path = f"/surveys/{survey_a.uuid}/questions/{follow_up.uuid}/"
    page = client.get(path)
    data = {**as_posted(page.context["form"]), "prompt": "Why so?"}
    assert data["show_if_choices" if source == "nps" else "show_if_max"] == ""

    reply = client.post(path, data)

    assert reply.status_code == 302, reply.context["form"].errors
    follow_up.refresh_from_db()
    assert follow_up.prompt == "Why so?"
    assert follow_up.show_if_question == condition["show_if_question"]
    condition_now = (follow_up.show_if_min, follow_up.show_if_max, follow_up.show_if_choices)
    expected = (None, None, ["Terrace"]) if source == "seat" else (0, 6, [])
    assert condition_now == expected


def test_a_follow_up_moved_to_a_choice_question_drops_the_range_its_form_sent_back(
    alice, survey_a, client_of
):
    seat = with_seat_question(survey_a)
    nps = survey_a.questions.get(kind="nps")
    follow_up = question_add(
        survey=survey_a,
        data=QuestionInput(kind="text", prompt="Why?", show_if_question=nps, show_if_max=6),
    )
    client = client_of(alice)
    path = f"/surveys/{survey_a.uuid}/questions/{follow_up.uuid}/"
    data = as_posted(client.get(path).context["form"])
    assert data["show_if_max"] == "6"

    # The owner picks the choice question and its options; the range stays as shown.
    reply = client.post(
        path, {**data, "show_if_question": str(seat.uuid), "show_if_choices": "Inside"}
    )

    assert reply.status_code == 302, reply.context["form"].errors
    follow_up.refresh_from_db()
    assert follow_up.show_if_question == seat
    condition = (follow_up.show_if_min, follow_up.show_if_max, follow_up.show_if_choices)
    assert condition == (None, None, ["Inside"])
    # A range typed anew for it is refused.
    retyped = client.post(path, {**data, "show_if_question": str(seat.uuid),
                                 "show_if_choices": "Inside", "show_if_max": "3"})  # fmt: skip
    assert retyped.status_code == 400
    assert retyped.context["form"].errors == {"show_if_max": [CHOICE_MESSAGE]}
