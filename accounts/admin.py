from __future__ import annotations

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin

from .models import ApiKey, AuditEntry, Location, Membership, TeamInvitation, User


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    ordering = ["email"]
    list_display = ["email", "first_name", "last_name", "is_staff", "is_active"]
    search_fields = ["email", "first_name", "last_name"]
    fieldsets = (
        (None, {"fields": ("email", "password")}),
        ("Personal info", {"fields": ("first_name", "last_name")}),
        ("Permissions", {"fields": ("is_active", "is_staff", "is_superuser", "groups")}),
        ("Dates", {"fields": ("last_login", "date_joined")}),
    )
    add_fieldsets = ((None, {"classes": ("wide",), "fields": ("email", "password1", "password2")}),)


@admin.register(Membership)
class MembershipAdmin(admin.ModelAdmin):
    list_display = ["user", "business", "role", "created_at"]
    list_filter = ["role"]
    search_fields = ["user__email", "business__name"]
    autocomplete_fields = ["user", "business"]


@admin.register(TeamInvitation)
class TeamInvitationAdmin(admin.ModelAdmin):
    list_display = ["email", "business", "role", "created_at", "expires_at", "accepted_at"]
    list_filter = ["role"]
    readonly_fields = ["token_hash", "invited_by", "sent_at", "accepted_at", "accepted_by"]
    search_fields = ["email", "business__name"]


@admin.register(Location)
class LocationAdmin(admin.ModelAdmin):
    list_display = ["name", "business", "address"]
    search_fields = ["name", "business__name"]


@admin.register(ApiKey)
class ApiKeyAdmin(admin.ModelAdmin):
    list_display = ["name", "prefix", "business", "scope", "created_at", "revoked_at"]
    readonly_fields = ["prefix", "key_hash", "created_by", "last_used_at"]
    search_fields = ["name", "prefix", "business__name"]


@admin.register(AuditEntry)
class AuditEntryAdmin(admin.ModelAdmin):
    list_display = ["created_at", "business", "actor", "action", "target"]
    list_filter = ["action"]
    readonly_fields = ["business", "actor", "action", "target", "detail"]
