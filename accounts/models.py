from __future__ import annotations

import uuid
import zoneinfo
from functools import cache

from django.conf import settings
from django.contrib.auth.models import AbstractUser, BaseUserManager
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class UserManager(BaseUserManager):
    use_in_migrations = True

    def create_user(self, email: str, password: str | None = None, **extra) -> User:
        if not email:
            raise ValueError("email is required")
        user = self.model(email=self.normalize_email(email).lower(), **extra)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_superuser(self, email: str, password: str | None = None, **extra) -> User:
        extra.update(is_staff=True, is_superuser=True)
        return self.create_user(email, password, **extra)


class User(AbstractUser):
    """A person who signs in: owners, managers and staff. Customers never do."""

    username = None
    email = models.EmailField(_("email address"), unique=True)

    USERNAME_FIELD = "email"
    REQUIRED_FIELDS: list[str] = []

    objects = UserManager()

    def __str__(self) -> str:
        return self.get_full_name() or self.email


@cache
def time_zone_names() -> tuple[str, ...]:
    """The zones a business may count its days in, sorted: IANA's "Area/Location" names
    and UTC. Not "localtime" (each machine's own zone: the web, worker and database hosts
    could differ) nor the old aliases ("GB", "Factory")."""
    zones = zoneinfo.available_timezones()
    return tuple(sorted(name for name in zones if "/" in name or name == "UTC"))


TIME_ZONE_REFUSAL = _("Choose a time zone from the list, such as Europe/Madrid.")


def validate_time_zone(value: str) -> None:
    if value not in time_zone_names():
        raise ValidationError(TIME_ZONE_REFUSAL)


class Industry(models.TextChoices):
    FOOD_DRINK = "food_drink", _("Food and drink")
    RETAIL = "retail", _("Retail")
    BEAUTY = "beauty", _("Beauty")
    HEALTH = "health", _("Health")
    HOME_SERVICES = "home_services", _("Home services")
    PROFESSIONAL_SERVICES = "professional_services", _("Professional services")
    OTHER = "other", _("Other")


class Business(models.Model):
    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    name = models.CharField(max_length=200)
    industry = models.CharField(max_length=32, choices=Industry.choices, default=Industry.OTHER)
    time_zone = models.CharField(max_length=64, default="UTC", validators=[validate_time_zone])
    language = models.CharField(max_length=8, choices=settings.LANGUAGES, default="en")
    # Free text and personal data older than this many months are anonymised every night
    # (privacy.tasks); blank keeps everything.
    retention_months = models.PositiveSmallIntegerField(
        null=True, blank=True, validators=[MinValueValidator(1), MaxValueValidator(240)]
    )
    # The survey's look (accounts.branding): "#rrggbb" or blank for the platform's blue.
    brand_colour = models.CharField(max_length=7, blank=True, default="")
    # The logo's bytes live in BusinessLogo (not loaded with every business); its type and
    # short hash live here so a page builds the logo's cache-busting URL without them.
    logo_content_type = models.CharField(max_length=16, blank=True, default="")
    logo_version = models.CharField(max_length=16, blank=True, default="")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name_plural = "businesses"

    def __str__(self) -> str:
        return self.name


class BusinessLogo(models.Model):
    """The business's logo image, kept in the database so that every deployment serves it
    without media storage. A row of its own: every request loads its business (through
    the membership) and must not drag up to 256 KB of image along."""

    business = models.OneToOneField(
        Business, on_delete=models.CASCADE, primary_key=True, related_name="+"
    )
    content = models.BinaryField()

    def __str__(self) -> str:
        return f"logo of business {self.business_id}"


# The `business` of a row that only copies its parent's (a response's is its survey's,
# an answer's its response's, an aspect mention's its text's), written with the row from
# the parent's (on PostgreSQL in the same statement). The chain ends at a row whose
# foreign key keeps the business in the database (a survey, an interaction, a review).
# No constraint of its own (deleting a business still cascades, by Django): every check
# locks the business's row (FOR KEY SHARE), and with all of a business's writes checking
# that one row at once the locks cost about an eighth of the submissions PostgreSQL
# took; a scoring batch's mentions made as many checks as it had mentions.
BUSINESS_COPY = {"on_delete": models.CASCADE, "related_name": "+", "db_constraint": False}


class BusinessOwned(models.Model):
    """Base for every row that belongs to a business (see the tenancy rule)."""

    business = models.ForeignKey(Business, on_delete=models.CASCADE, related_name="+")
    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    # A default, not auto_now_add, so imports and the demo can record when things happened.
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        abstract = True


class Location(BusinessOwned):
    name = models.CharField(max_length=200)
    address = models.CharField(max_length=500, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["business", "name"], name="location_unique_name")
        ]

    def __str__(self) -> str:
        return self.name


class Role(models.TextChoices):
    OWNER = "owner", _("Owner")
    MANAGER = "manager", _("Manager")
    STAFF = "staff", _("Staff")


MANAGERS = (Role.OWNER, Role.MANAGER)


class Membership(models.Model):
    # The public id in URLs and the API (the tenancy rule: never integer ids).
    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships"
    )
    business = models.ForeignKey(Business, on_delete=models.CASCADE, related_name="memberships")
    role = models.CharField(max_length=16, choices=Role.choices)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "business"], name="membership_unique_user")
        ]
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return f"{self.user} · {self.business} ({self.role})"

    @property
    def is_manager(self) -> bool:
        return self.role in MANAGERS


class TeamInvitation(BusinessOwned):
    """An invitation to join a business with a role, accepted once through an e-mailed link.

    Only the SHA-256 of the token is stored: someone who reads the database cannot
    accept an invitation. Accepted, revoked and expired invitations stay as a record.
    """

    email = models.EmailField()
    role = models.CharField(max_length=16, choices=Role.choices)
    token_hash = models.CharField(max_length=64, unique=True)
    invited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    expires_at = models.DateTimeField()
    sent_at = models.DateTimeField(null=True, blank=True)
    accepted_at = models.DateTimeField(null=True, blank=True)
    accepted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
        related_name="+",
    )  # fmt: skip
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            # One open invitation per person and business; a new one replaces the old.
            models.UniqueConstraint(
                fields=["business", "email"],
                condition=models.Q(accepted_at=None, revoked_at=None),
                name="team_invitation_one_open",
            )
        ]

    def __str__(self) -> str:
        return f"{self.email} ({self.role})"

    def is_open(self, now=None) -> bool:
        now = now or timezone.now()
        return self.accepted_at is None and self.revoked_at is None and self.expires_at > now


class ApiKeyScope(models.TextChoices):
    READ = "read", _("Read only")
    WRITE = "write", _("Read and write")


class ApiKey(BusinessOwned):
    """A per-business API key. Only its SHA-256 is stored; the key is shown once."""

    name = models.CharField(max_length=100)
    prefix = models.CharField(max_length=12, unique=True)
    key_hash = models.CharField(max_length=64)
    scope = models.CharField(max_length=8, choices=ApiKeyScope.choices, default=ApiKeyScope.READ)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None


class AuditEntry(BusinessOwned):
    """Who did what to which object, for the owner to read."""

    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    action = models.CharField(max_length=64)
    target = models.CharField(max_length=200, blank=True)
    detail = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["-created_at"]
        indexes = [
            models.Index(fields=["business", "-created_at"], name="audit_business_recent"),
            # The owner's audit page filtered by action, newest first.
            models.Index(
                fields=["business", "action", "-created_at"], name="audit_business_action"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.action} {self.target}"
