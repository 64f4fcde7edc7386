"""Writes for businesses, members, API keys and the audit log."""

from __future__ import annotations

import hashlib
import secrets

from django.db import transaction
from django.utils import timezone

from .models import ApiKey, ApiKeyScope, AuditEntry, Business, Location, Membership, Role, User

API_KEY_PREFIX = "cx"


def business_create(
    *,
    name: str,
    owner: User,
    industry: str = "other",
    time_zone: str = "UTC",
    language: str = "en",
) -> Business:
    business = Business(name=name, industry=industry, time_zone=time_zone, language=language)
    business.full_clean()
    with transaction.atomic():
        business.save()
        Membership.objects.create(user=owner, business=business, role=Role.OWNER)
    return business


def location_create(*, business: Business, name: str, address: str = "") -> Location:
    return Location.objects.create(business=business, name=name, address=address)


def membership_add(*, business: Business, user: User, role: str) -> Membership:
    membership, _ = Membership.objects.update_or_create(
        user=user, business=business, defaults={"role": role}
    )
    return membership


def hash_api_key(raw_key: str) -> str:
    # Keys are 256 random bits, so a fast hash is enough; no salt or stretching needed.
    return hashlib.sha256(raw_key.encode()).hexdigest()


def api_key_create(
    *, business: Business, name: str, scope: str = ApiKeyScope.READ, created_by: User | None
) -> tuple[ApiKey, str]:
    """Create a key and return it with the raw secret, which is never stored."""
    prefix = secrets.token_hex(4)
    raw_key = f"{API_KEY_PREFIX}_{prefix}_{secrets.token_urlsafe(32)}"
    with transaction.atomic():
        api_key = ApiKey.objects.create(
            business=business,
            name=name,
            prefix=prefix,
            key_hash=hash_api_key(raw_key),
            scope=scope,
            created_by=created_by,
        )
        audit_record(
            business=business, actor=created_by, action="api_key.create", target=str(api_key)
        )
    return api_key, raw_key


def api_key_revoke(*, api_key: ApiKey, actor: User | None) -> None:
    with transaction.atomic():
        revoked = ApiKey.objects.filter(pk=api_key.pk, revoked_at=None).update(
            revoked_at=timezone.now()
        )
        if revoked:
            audit_record(
                business=api_key.business, actor=actor, action="api_key.revoke", target=str(api_key)
            )


def api_key_touch(*, api_key: ApiKey) -> None:
    """Record use, at most once a minute, so busy integrations don't write on every call."""
    now = timezone.now()
    stale = now - timezone.timedelta(minutes=1)
    ApiKey.objects.filter(pk=api_key.pk).exclude(last_used_at__gt=stale).update(last_used_at=now)


def audit_record(
    *,
    business: Business,
    actor: User | None,
    action: str,
    target: str = "",
    detail: dict | None = None,
) -> AuditEntry:
    return AuditEntry.objects.create(
        business=business, actor=actor, action=action, target=target, detail=detail or {}
    )
