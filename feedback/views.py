from __future__ import annotations

from dataclasses import dataclass

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import translation
from django.views.decorators.http import require_http_methods

from accounts.access import business_view
from cxplatform.errors import ApplicationError, Gone
from cxplatform.http import body_too_large

from .answers import NPS_RANGE
from .models import Channel, Question, Survey
from .selectors import interactions_recent, unscoped_survey_for_public
from .services import response_submit

NPS_CHOICES = range(NPS_RANGE[0], NPS_RANGE[1] + 1)


@dataclass(frozen=True)
class QuestionField:
    """What the template needs to draw one question: its input name, value and error."""

    question: Question
    name: str
    value: str
    error: str


def field_name(question: Question) -> str:
    return f"q-{question.uuid}"


def question_fields(questions, values: dict[str, str], errors: dict[str, str]) -> list:
    return [
        QuestionField(
            question=question,
            name=field_name(question),
            value=values.get(str(question.uuid), ""),
            error=errors.get(str(question.uuid), ""),
        )
        for question in questions
    ]


def channel_from(request: HttpRequest) -> str:
    channel = request.GET.get("ch", "")
    return channel if channel in Channel.values else Channel.LINK


@require_http_methods(["GET", "POST"])
def survey_page(request: HttpRequest, survey_uuid) -> HttpResponse:
    """The public survey: a plain form that works without JavaScript."""
    survey = unscoped_survey_for_public(survey_uuid=survey_uuid)
    if not request.headers.get("Accept-Language"):
        translation.activate(survey.business.language)
    if not survey.is_open:
        return render(request, "feedback/survey_closed.html", {"survey": survey}, status=410)
    if request.method == "POST" and body_too_large(request):
        return render(request, "feedback/too_large.html", {"survey": survey}, status=413)
    questions = list(survey.questions.all())
    values: dict[str, str] = {}
    errors: dict[str, str] = {}
    status = 200
    if request.method == "POST":
        values = {str(q.uuid): request.POST.get(field_name(q), "") for q in questions}
        try:
            response_submit(survey=survey, raw_answers=values, channel=channel_from(request))
        except Gone:
            return render(request, "feedback/survey_closed.html", {"survey": survey}, status=410)
        except ApplicationError as error:
            errors, status = error.errors, 400
        else:
            return redirect("feedback:survey_thanks", survey_uuid=survey.uuid)
    context = {
        "survey": survey,
        "business": survey.business,
        "fields": question_fields(questions, values, errors),
        "nps_choices": NPS_CHOICES,
        "error_count": len(errors),
    }
    return render(request, "feedback/survey.html", context, status=status)


def survey_thanks(request: HttpRequest, survey_uuid) -> HttpResponse:
    survey: Survey = unscoped_survey_for_public(survey_uuid=survey_uuid)
    return render(request, "feedback/survey_thanks.html", {"survey": survey})


@business_view()
def interactions(request: HttpRequest) -> HttpResponse:
    """Recent customer interactions logged by staff, newest first, with their sentiment."""
    context = {"interactions": interactions_recent(business=request.business)}
    return render(request, "feedback/interactions.html", context)
