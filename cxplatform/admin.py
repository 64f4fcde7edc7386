from __future__ import annotations

from django.contrib import admin, messages
from django.utils import timezone

from accounts.models import Business

from .celery import app as celery_app
from .models import DeadLetter
from .onboarding import business_ready


@admin.register(Business)
class BusinessAdmin(admin.ModelAdmin):
    list_display = ["name", "industry", "time_zone", "language", "created_at"]
    list_filter = ["industry", "language"]
    search_fields = ["name"]
    readonly_fields = ["uuid", "created_at"]

    def save_model(self, request, obj, form, change) -> None:
        super().save_model(request, obj, form, change)
        if not change:
            business_ready(business=obj)


@admin.register(DeadLetter)
class DeadLetterAdmin(admin.ModelAdmin):
    """Tasks that will not run again by themselves: read why, fix, then send again."""

    list_display = ["task_name", "reason", "tries", "exception_line", "last_failed_at", "resolved"]
    list_filter = ["resolved", "reason", "task_name"]
    search_fields = ["task_name", "task_id", "exception"]
    date_hierarchy = "last_failed_at"
    readonly_fields = [field.name for field in DeadLetter._meta.fields if field.name != "resolved"]
    actions = ["send_again", "mark_resolved"]

    @admin.display(description="Exception")
    def exception_line(self, letter: DeadLetter) -> str:
        return letter.exception.splitlines()[0][:120] if letter.exception else ""

    def has_add_permission(self, request) -> bool:
        return False  # only the worker writes them

    @admin.action(description="Send again (with the same arguments) and mark resolved")
    def send_again(self, request, queryset) -> None:
        open_letters = queryset.filter(resolved=False)
        letters = list(open_letters.filter(arguments_hidden=""))
        for letter in letters:
            # By name, so routing picks its queue; a new id, so a new failure is a new row.
            celery_app.signature(letter.task_name, args=letter.args, kwargs=letter.kwargs).delay()
        resolved = DeadLetter.objects.filter(pk__in=[letter.pk for letter in letters])
        resolved.update(resolved=True, resolved_at=timezone.now())
        self.message_user(request, f"{len(letters)} tasks sent again.", messages.SUCCESS)
        secret = open_letters.exclude(arguments_hidden="").count()
        if secret:
            self.message_user(
                request,
                f"{secret} not sent: their arguments hold a secret that was never stored; "
                "redo them from the app (e.g. send the invitation again).",
                messages.WARNING,
            )

    @admin.action(description="Mark resolved")
    def mark_resolved(self, request, queryset) -> None:
        count = queryset.filter(resolved=False).update(resolved=True, resolved_at=timezone.now())
        self.message_user(request, f"{count} dead letters marked resolved.", messages.SUCCESS)
