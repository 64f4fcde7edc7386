from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from accounts.models import BusinessOwned, Location


class Customer(BusinessOwned):
    """A person who buys from the business. Customers never sign in."""

    name = models.CharField(max_length=200, blank=True)
    email = models.EmailField(blank=True)
    phone = models.CharField(max_length=40, blank=True)
    consent_to_contact = models.BooleanField(default=False)
    consent_recorded_at = models.DateTimeField(null=True, blank=True)
    tags = models.JSONField(default=list, blank=True)

    class Meta:
        indexes = [models.Index(fields=["business", "email"], name="customer_business_email")]

    def __str__(self) -> str:
        return self.name or self.email or str(self.uuid)


class Purchase(BusinessOwned):
    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="purchases")
    location = models.ForeignKey(Location, null=True, blank=True, on_delete=models.SET_NULL)
    purchased_at = models.DateTimeField()
    amount = models.DecimalField(max_digits=12, decimal_places=2)
    currency = models.CharField(max_length=3, default="EUR")
    order_reference = models.CharField(max_length=100, blank=True)

    class Meta:
        indexes = [
            models.Index(fields=["business", "purchased_at"], name="purchase_business_time"),
            models.Index(fields=["customer", "purchased_at"], name="purchase_customer_time"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["business", "order_reference"],
                condition=~models.Q(order_reference=""),
                name="purchase_unique_order_reference",
            ),
            models.CheckConstraint(
                condition=models.Q(amount__gte=0), name="purchase_amount_not_negative"
            ),
        ]
        verbose_name = _("purchase")

    def __str__(self) -> str:
        return f"{self.amount} {self.currency} on {self.purchased_at:%Y-%m-%d}"
