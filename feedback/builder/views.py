from __future__ import annotations

from django import forms
from django.contrib import messages
from django.db.models import Count
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_http_methods, require_POST

from accounts.access import MANAGER_ROLES, business_view
from accounts.selectors import business_object_or_404
from cxplatform.errors import ApplicationError

from ..models import Question, Survey
from ..selectors import surveys_for_business
from .forms import NewSurveyForm, QuestionForm, RemovalConfirmForm, SurveySettingsForm
from .services import (
    QuestionRemoval,
    RemovalOutdated,
    RemovalRefused,
    answers_count_text,
    follow_ups_count_text,
    question_add,
    question_delete,
    question_move,
    question_removal,
    question_update,
    survey_create,
    survey_update,
    trust_items_add,
)


def add_errors(form: forms.Form, error: ApplicationError) -> None:
    """Show a service's field errors beside the fields of the form."""
    for name, field_messages in error.errors.items():
        target = name if name in form.fields else None
        for message in field_messages:
            form.add_error(target, message)


@business_view(roles=MANAGER_ROLES)
@require_http_methods(["GET", "POST"])
def survey_list(request: HttpRequest) -> HttpResponse:
    form = NewSurveyForm(request.POST or None, industry=request.business.industry)
    if request.method == "POST" and form.is_valid():
        try:
            survey = survey_create(
                business=request.business,
                name=form.cleaned_data["name"],
                template_key=form.cleaned_data["template"],
                actor=request.user,
            )
        except ApplicationError as error:
            add_errors(form, error)
        else:
            return redirect("builder:edit", survey_uuid=survey.uuid)
    surveys = surveys_for_business(business=request.business).annotate(answers=Count("responses"))
    status = 400 if form.is_bound else 200
    return render(
        request, "feedback/builder/list.html", {"surveys": surveys, "form": form}, status=status
    )


def load_survey(request: HttpRequest, survey_uuid) -> Survey:
    return business_object_or_404(Survey, business=request.business, uuid=survey_uuid)


def load_question(request: HttpRequest, survey: Survey, question_uuid) -> Question:
    question = business_object_or_404(Question, business=request.business, uuid=question_uuid)
    if question.survey_id != survey.pk:
        raise Http404("question")
    return question


@business_view(roles=MANAGER_ROLES)
@require_http_methods(["GET", "POST"])
def survey_edit(request: HttpRequest, survey_uuid) -> HttpResponse:
    survey = load_survey(request, survey_uuid)
    settings_form = SurveySettingsForm(request.POST or None, instance=survey)
    if request.method == "POST" and settings_form.is_valid():
        changes = {name: settings_form.cleaned_data[name] for name in settings_form.changed_data}
        survey = Survey.objects.get(pk=survey.pk)  # the form changed the instance in place
        try:
            survey_update(survey=survey, actor=request.user, **changes)
        except ApplicationError as error:
            add_errors(settings_form, error)
        else:
            messages.success(request, _("Settings saved."))
            return redirect("builder:edit", survey_uuid=survey.uuid)
    return render_edit(request, survey, settings_form, QuestionForm(survey=survey))


def render_edit(request, survey, settings_form, question_form, status=None) -> HttpResponse:
    context = {
        "survey": survey,
        "settings_form": settings_form,
        "question_form": question_form,
        "questions": survey.questions.select_related("show_if_question"),
    }
    bound = settings_form.is_bound or question_form.is_bound
    return render(
        request, "feedback/builder/edit.html", context, status=status or (400 if bound else 200)
    )


@business_view(roles=MANAGER_ROLES)
@require_POST
def question_create_view(request: HttpRequest, survey_uuid) -> HttpResponse:
    survey = load_survey(request, survey_uuid)
    form = QuestionForm(request.POST, survey=survey)
    if form.is_valid():
        try:
            question_add(survey=survey, data=form.to_input())
        except ApplicationError as error:
            add_errors(form, error)
        else:
            return redirect("builder:edit", survey_uuid=survey.uuid)
    return render_edit(request, survey, SurveySettingsForm(instance=survey), form, status=400)


@business_view(roles=MANAGER_ROLES)
@require_http_methods(["GET", "POST"])
def question_edit_view(request: HttpRequest, survey_uuid, question_uuid) -> HttpResponse:
    survey = load_survey(request, survey_uuid)
    question = load_question(request, survey, question_uuid)
    form = QuestionForm(
        request.POST or None, survey=survey, before=question.position,
        initial=QuestionForm.initial_for(question),
    )  # fmt: skip
    if request.method == "POST" and form.is_valid():
        try:
            question_update(question=question, data=form.to_input())
        except ApplicationError as error:
            add_errors(form, error)
        else:
            return redirect("builder:edit", survey_uuid=survey.uuid)
    context = {"survey": survey, "question": question, "form": form}
    status = 400 if form.is_bound else 200
    return render(request, "feedback/builder/question.html", context, status=status)


@business_view(roles=MANAGER_ROLES)
@require_http_methods(["GET", "POST"])
def question_delete_view(request: HttpRequest, survey_uuid, question_uuid) -> HttpResponse:
    """Remove goes straight through for a question nothing relies on; one with answers or
    follow-ups is removed only from the confirmation page, which says what goes with it
    and sends those counts back: if more would go by then, it asks again."""
    survey = load_survey(request, survey_uuid)
    question = load_question(request, survey, question_uuid)
    grown: list[str] = []
    removal = None
    if request.method == "POST":
        seen = RemovalConfirmForm(request.POST).seen()
        try:
            removed = question_delete(
                question=question, confirmed=seen is not None, seen=seen, actor=request.user
            )
        except RemovalOutdated as error:
            grown, removal = error.lines, error.removal
        except RemovalRefused as error:
            removal = error.removal  # answers or follow-ups would go too: ask first
        else:
            messages.success(request, removed_message(removed))
            return redirect("builder:edit", survey_uuid=survey.uuid)
    removal = removal or question_removal(question=question)
    context = {"survey": survey, "question": question, "removal": removal, "grown": grown}
    return render(
        request, "feedback/builder/question_delete.html", context, status=409 if grown else 200
    )


def removed_message(removal: QuestionRemoval) -> str:
    if not removal.loses_data:
        return _("Question removed.")
    return _("Question removed with %(answers)s and %(follow_ups)s.") % {
        "answers": answers_count_text(removal.answers),
        "follow_ups": follow_ups_count_text(removal.follow_ups),
    }


@business_view(roles=MANAGER_ROLES)
@require_POST
def question_move_view(request: HttpRequest, survey_uuid, question_uuid) -> HttpResponse:
    survey = load_survey(request, survey_uuid)
    question = load_question(request, survey, question_uuid)
    offset = -1 if request.POST.get("direction") == "up" else 1
    try:
        question_move(question=question, offset=offset)
    except ApplicationError as error:
        messages.error(request, error.message)
    return redirect("builder:edit", survey_uuid=survey.uuid)


@business_view(roles=MANAGER_ROLES)
@require_POST
def trust_items_view(request: HttpRequest, survey_uuid) -> HttpResponse:
    survey = load_survey(request, survey_uuid)
    try:
        added = trust_items_add(survey=survey)
    except ApplicationError as error:
        messages.info(request, error.message)  # all four there already: nothing changed
    else:
        messages.success(
            request,
            ngettext("%(count)d trust item added.", "%(count)d trust items added.", len(added))
            % {"count": len(added)},
        )
    return redirect("builder:edit", survey_uuid=survey.uuid)
