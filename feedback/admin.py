from __future__ import annotations

from django.contrib import admin

from .models import Answer, Interaction, Question, Response, Survey
from .selectors import public_survey_forget


class QuestionInline(admin.TabularInline):
    model = Question
    extra = 0
    fields = ["position", "kind", "prompt", "required"]


@admin.register(Survey)
class SurveyAdmin(admin.ModelAdmin):
    list_display = ["name", "business", "status", "is_default", "created_at"]
    list_filter = ["status"]
    search_fields = ["name", "business__name"]
    inlines = [QuestionInline]

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        public_survey_forget(form.instance)


class AnswerInline(admin.TabularInline):
    model = Answer
    extra = 0
    fields = ["question", "number", "text", "sentiment_label", "sentiment_score"]
    readonly_fields = fields


@admin.register(Response)
class ResponseAdmin(admin.ModelAdmin):
    list_display = ["uuid", "survey", "business", "channel", "created_at"]
    list_select_related = ["survey", "business"]
    list_filter = ["channel"]
    inlines = [AnswerInline]
    raw_id_fields = ["customer", "location"]


@admin.register(Interaction)
class InteractionAdmin(admin.ModelAdmin):
    list_display = ["created_at", "business", "channel", "mood", "sentiment_label"]
    list_select_related = ["business"]
    raw_id_fields = ["customer", "staff", "location"]
