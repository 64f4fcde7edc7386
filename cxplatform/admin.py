from __future__ import annotations

from django.contrib import admin

from accounts.models import Business

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
