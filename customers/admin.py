from __future__ import annotations

from django.contrib import admin

from .models import Customer, Purchase


@admin.register(Customer)
class CustomerAdmin(admin.ModelAdmin):
    list_display = ["name", "email", "business", "consent_to_contact", "created_at"]
    search_fields = ["name", "email", "business__name"]
    list_select_related = ["business"]


@admin.register(Purchase)
class PurchaseAdmin(admin.ModelAdmin):
    list_display = ["purchased_at", "amount", "currency", "customer", "business"]
    list_select_related = ["business", "customer"]
    raw_id_fields = ["customer", "location"]
