from __future__ import annotations

from dataclasses import dataclass

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import translation
from django.utils.translation.trans_real import parse_accept_lang_header
from django.views.decorators.http import require_http_methods

from cxplatform.errors import ApplicationError, Conflict, Gone
from cxplatform.http import body_too_large

from .answers import CHOICE_KINDS, CONTACT_FIELD, SCALES, scale_labels
from .antiabuse import (
    HONEYPOT_FIELD,
    STARTED_FIELD,
    filled_too_fast,
    form_started_token,
    is_bot_honeypot,
    rate_limited,
)
from .models import Channel, Invitation, Question, QuestionKind, Survey
from .selectors import unscoped_survey_for_public
from .services import response_submit


@dataclass(frozen=True)
class QuestionField:
    """What the template needs to draw one question: its input name, value and error."""

    question: Question
    name: str
    value: object
    error: str

    @property
    def scale(self) -> range | None:
        if self.question.kind not in SCALES:
            return None
        low, high = SCALES[self.question.kind]
        return range(low, high + 1)

    @property
    def scale_ends(self) -> tuple[str, str]:
        return scale_labels(self.question.kind)

    @property
    def first_input_id(self) -> str:
        """Where the error summary's link takes the focus: the question's first control."""
        if self.scale is not None:
            return f"{self.name}-{self.scale.start}"
        if self.question.kind in CHOICE_KINDS:
            return f"{self.name}-1"
        return self.name

    @property
    def chosen(self) -> list[str]:
        """The options ticked, for choice questions."""
        return self.value if isinstance(self.value, list) else [self.value]


def field_name(question: Question) -> str:
    return f"q-{question.uuid}"


def question_fields(questions, values: dict[str, object], errors: dict[str, str]) -> list:
    return [
        QuestionField(
            question=question,
            name=field_name(question),
            value=values.get(str(question.uuid), ""),
            error=errors.get(str(question.uuid), ""),
        )
        for question in questions
    ]


def values_from_post(request: HttpRequest, questions: list[Question]) -> dict[str, object]:
    """The raw answers in the form, keyed by question uuid as the service expects."""
    values: dict[str, object] = {}
    for question in questions:
        name = field_name(question)
        if question.kind == QuestionKind.MULTIPLE_CHOICE:
            values[str(question.uuid)] = request.POST.getlist(name)
        else:
            values[str(question.uuid)] = request.POST.get(name, "")
    return values


def channel_from(request: HttpRequest) -> str:
    channel = request.GET.get("ch", "")
    return channel if channel in Channel.values else Channel.LINK


@require_http_methods(["GET", "POST"])
def survey_page(request: HttpRequest, survey_uuid) -> HttpResponse:
    """The public survey: a plain form that works without JavaScript."""
    survey = unscoped_survey_for_public(survey_uuid=survey_uuid)
    return survey_form(request, survey, channel=channel_from(request))


def survey_form(
    request: HttpRequest,
    survey: Survey,
    *,
    channel: str,
    invitation: Invitation | None = None,
    thanks_url: str = "",
    embedded: bool = False,
) -> HttpResponse:
    """Show the survey and take its answers; shared by the link, QR, embed and e-mail pages."""
    activate_survey_language(request, survey)
    if not survey.is_open:
        return render(request, "feedback/survey_closed.html", {"survey": survey}, status=410)
    questions = list(survey.questions.select_related("show_if_question"))
    thanks_url = thanks_url or reverse("feedback:survey_thanks", args=[survey.uuid])
    if request.method == "GET":
        return render_survey(request, survey, questions, embedded=embedded)
    refusal = refuse_submission(request, survey, thanks_url)
    if refusal is not None:
        return refusal
    values = values_from_post(request, questions)
    contact = {
        "contact_requested": request.POST.get("contact_requested") == "on",
        "contact_email": request.POST.get(CONTACT_FIELD, ""),
    }
    if filled_too_fast(request.POST.get(STARTED_FIELD, "")):
        return render_survey(
            request, survey, questions, values, contact=contact, too_fast=True,
            embedded=embedded, status=400,
        )  # fmt: skip
    try:
        response_submit(
            survey=survey, questions=questions, raw_answers=values, channel=channel,
            invitation=invitation, **contact,
        )  # fmt: skip
    except Gone:
        return render(request, "feedback/survey_closed.html", {"survey": survey}, status=410)
    except Conflict:
        return render(request, "feedback/already_answered.html", {"survey": survey}, status=409)
    except ApplicationError as error:
        return render_survey(
            request, survey, questions, values, error.errors, contact=contact,
            started_token=request.POST.get(STARTED_FIELD, ""), embedded=embedded, status=400,
        )  # fmt: skip
    return redirect(thanks_url)


def survey_language_if_not_the_page_s(survey: Survey) -> str:
    """The language of the survey's own words (name, questions, options, privacy line)
    when the page is in another, to mark them with (lang="…"); "" when it is the same."""
    language = survey.written_language
    return "" if language == translation.get_language() else language


def activate_survey_language(request: HttpRequest, survey: Survey) -> None:
    """The survey's own language if set, else the first of the browser's that we speak,
    else the business's: a French visitor of a Spanish café reads Spanish, not the
    site's default."""
    language = survey.language or browser_language(request) or survey.business.language
    translation.activate(language)
    request.LANGUAGE_CODE = language


def browser_language(request: HttpRequest) -> str | None:
    """The most wanted language of the request's Accept-Language that we have."""
    # Django's own parser, as LocaleMiddleware reads the header (ordered by q; a header
    # it cannot read, or one too long, gives none).
    header = request.headers.get("Accept-Language", "")
    for tag, quality in parse_accept_lang_header(header):
        if quality <= 0:  # q=0: "not this one"
            break  # the rest are ordered after it, at q=0 too
        try:
            return translation.get_supported_language_variant(tag)
        except LookupError:  # not one of ours (or "*")
            continue
    return None


def refuse_submission(request: HttpRequest, survey: Survey, thanks_url: str) -> HttpResponse | None:
    """Turn away floods, oversized bodies and bots before anything is parsed or stored."""
    limited = rate_limited(request, survey.uuid)
    if limited is not None:
        reply = render(request, "feedback/slow_down.html", {"survey": survey}, status=429)
        reply["Retry-After"] = str(limited.retry_after)
        return reply
    if body_too_large(request):
        return render(request, "feedback/too_large.html", {"survey": survey}, status=413)
    if is_bot_honeypot(request):
        # Bots are thanked and nothing is kept: telling them why only helps them adapt.
        return redirect(thanks_url)
    return None


def render_survey(
    request: HttpRequest,
    survey: Survey,
    questions: list[Question],
    values: dict[str, str] | None = None,
    errors: dict[str, str] | None = None,
    *,
    contact: dict | None = None,
    too_fast: bool = False,
    started_token: str = "",
    embedded: bool = False,
    status: int = 200,
) -> HttpResponse:
    """The survey's form. `started_token`: the one its answers came with, when they
    passed the fill-time check and are shown again for a mistake: correcting one may
    take under the minimum fill time, which must not be taken for a bot's ("That was
    quick!"). A fresh one otherwise."""
    errors = errors or {}
    context = {
        "survey": survey,
        "business": survey.business,
        "fields": question_fields(questions, values or {}, errors),
        "contact": contact or {},
        "contact_error": errors.get(CONTACT_FIELD, ""),
        "contact_field": CONTACT_FIELD,
        "error_count": len(errors),
        "too_fast": too_fast,
        "embedded": embedded,
        "started_token": started_token or form_started_token(),
        "survey_language": survey_language_if_not_the_page_s(survey),
        "honeypot_field": HONEYPOT_FIELD,
        "started_field": STARTED_FIELD,
    }
    return render(request, "feedback/survey.html", context, status=status)


def survey_thanks(request: HttpRequest, survey_uuid) -> HttpResponse:
    survey: Survey = unscoped_survey_for_public(survey_uuid=survey_uuid)
    return thanks_page(request, survey)


def thanks_page(request: HttpRequest, survey: Survey, *, embedded: bool = False) -> HttpResponse:
    """The thank-you page, in the language the survey was answered in."""
    activate_survey_language(request, survey)
    context = {"survey": survey, "embedded": embedded}
    return render(request, "feedback/survey_thanks.html", context)
