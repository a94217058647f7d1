"""Writes for owners, roles and API tokens."""

import datetime
import hmac
import secrets
from collections.abc import Sequence

from django.contrib.auth.models import Group, Permission
from django.contrib.contenttypes.models import ContentType
from django.db import models, transaction
from django.db.models import Exists, OuterRef
from django.utils import timezone

from users.models import (
    CALENDAR_TOKEN_PREFIX,
    ApiToken,
    CalendarToken,
    Owner,
    RuleSet,
    hash_token,
)
from users.roles import ACTIONS, ROLES

TOKEN_PREFIX = "bmr-"


def owner_sync(*, instance: models.Model) -> Owner:
    """Create or rename the Owner of a user or group."""
    name = instance.get_username() if hasattr(instance, "get_username") else instance.name
    owner, created = Owner.objects.get_or_create(
        owner_type=ContentType.objects.get_for_model(type(instance)),
        owner_id=instance.pk,
        defaults={"name": name},
    )
    if not created and owner.name != name:
        owner.name = name
        owner.save(update_fields=["name"])
    return owner


def owner_delete_for(*, instance: models.Model) -> None:
    Owner.objects.filter(
        owner_type=ContentType.objects.get_for_model(type(instance)), owner_id=instance.pk
    ).delete()


def _role_permissions(role: str, actions: list[str]) -> list[Permission]:
    codenames = []
    content_types = []
    for label in ROLES[role]["models"]:
        app_label, model_name = label.split(".")
        content_types.append((app_label, model_name))
        codenames.extend(f"{action}_{model_name}" for action in actions)
    query = models.Q(pk__in=[])
    for app_label, model_name in content_types:
        query |= models.Q(content_type__app_label=app_label, content_type__model=model_name)
    return list(Permission.objects.filter(query, codename__in=codenames))


@transaction.atomic
def group_sync_permissions(*, group: Group) -> None:
    """Make the group's role-managed permissions exactly those its rule sets grant.

    Permissions on models that no role manages are left as an administrator set them.
    """
    managed = set()
    for role in ROLES:
        managed.update(p.pk for p in _role_permissions(role, list(ACTIONS)))
    granted = set()
    for rule_set in group.rule_sets.all():
        if rule_set.name in ROLES:
            granted.update(p.pk for p in _role_permissions(rule_set.name, rule_set.actions()))
    current = set(group.permissions.values_list("pk", flat=True))
    group.permissions.remove(*((current & managed) - granted))
    group.permissions.add(*(granted - current))


@transaction.atomic
def group_set_role(
    *,
    group: Group,
    role: str,
    view: bool = False,
    add: bool = False,
    change: bool = False,
    delete: bool = False,
) -> RuleSet:
    if role not in ROLES:
        raise ValueError(f"Unknown role {role!r}")
    rule_set, _ = RuleSet.objects.update_or_create(
        group=group,
        name=role,
        defaults={"can_view": view, "can_add": add, "can_change": change, "can_delete": delete},
    )
    group_sync_permissions(group=group)
    return rule_set


def api_token_create(
    *, user, name: str, expiry: datetime.date | None = None, days: int | None = None
) -> tuple[ApiToken, str]:
    """Create a token and return it with its key; the key is never readable again."""
    from django.conf import settings

    if expiry is None:
        expiry = timezone.localdate() + datetime.timedelta(
            days=days if days is not None else settings.API_TOKEN_DEFAULT_DAYS
        )
    key = TOKEN_PREFIX + secrets.token_urlsafe(30)
    token = ApiToken.objects.create(
        user=user, name=name[:100], key_hash=hash_token(key), prefix=key[:12], expiry=expiry
    )
    return token, key


def api_token_revoke(*, token: ApiToken) -> ApiToken:
    token.revoked = True
    token.save(update_fields=["revoked"])
    return token


def api_token_user(key: str):
    """The active user behind a key, or None. Touches ``last_seen`` at most once a minute."""
    if not key or not key.startswith(TOKEN_PREFIX):
        return None
    token = (
        ApiToken.objects.active().select_related("user").filter(key_hash=hash_token(key)).first()
    )
    if token is None or not token.user.is_active:
        return None
    now = timezone.now()
    if token.last_seen is None or now - token.last_seen > datetime.timedelta(minutes=1):
        ApiToken.objects.filter(pk=token.pk).update(last_seen=now)
    return token.user


# -- calendar tokens -----------------------------------------------------------------------

CALENDAR_SELECTOR_LENGTH = 16  # hex digits
CALENDAR_SECRET_BYTES = 32
CALENDAR_KEY_LENGTH = len(CALENDAR_TOKEN_PREFIX) + CALENDAR_SELECTOR_LENGTH + 43


@transaction.atomic
def calendar_token_regenerate(*, user) -> tuple[CalendarToken, str]:
    """Give ``user`` a new calendar key and return it; any previous key stops working at once.

    The key is never readable again: only its SHA-256 is stored.
    """
    selector = secrets.token_hex(CALENDAR_SELECTOR_LENGTH // 2)
    key = CALENDAR_TOKEN_PREFIX + selector + secrets.token_urlsafe(CALENDAR_SECRET_BYTES)
    token, _created = CalendarToken.objects.update_or_create(
        user=user,
        defaults={"selector": selector, "key_hash": hash_token(key), "created": timezone.now()},
    )
    return token, key


def calendar_token_revoke(*, user) -> bool:
    """Delete the user's calendar key; returns whether there was one."""
    deleted, _by_model = CalendarToken.objects.filter(user=user).delete()
    return bool(deleted)


def calendar_token_get(*, user) -> CalendarToken | None:
    return CalendarToken.objects.filter(user=user).first()


def _holds_permission(permission: str) -> tuple[Exists, Exists]:
    app_label, codename = permission.split(".", 1)
    rows = Permission.objects.filter(content_type__app_label=app_label, codename=codename)
    return (
        Exists(rows.filter(user=OuterRef("user_id"))),
        Exists(rows.filter(group__user=OuterRef("user_id"))),
    )


def calendar_token_check(key: str, *, permissions: Sequence[str] = ()):
    """The active user behind a calendar key, and which of ``permissions`` they hold.

    Returns ``(user, granted)`` or None for an unknown, revoked or malformed key. One query:
    the row is found by the key's public selector, the stored hash compared in constant time,
    and the permissions (the user's own or their groups') answered by subqueries, so a
    calendar client's poll costs a single query for authentication and permission.
    """
    if (
        not isinstance(key, str)
        or len(key) != CALENDAR_KEY_LENGTH
        or not key.startswith(CALENDAR_TOKEN_PREFIX)
    ):
        return None
    selector = key[len(CALENDAR_TOKEN_PREFIX) :][:CALENDAR_SELECTOR_LENGTH]
    annotations = {}
    for index, permission in enumerate(permissions):
        own, via_group = _holds_permission(permission)
        annotations[f"perm_{index}_own"] = own
        annotations[f"perm_{index}_group"] = via_group
    token = next(
        iter(
            CalendarToken.objects.filter(selector=selector, user__is_active=True)
            .select_related("user")
            .annotate(**annotations)[:1]
        ),
        None,
    )
    # Compare even when no row matched, so a miss and a wrong secret take the same time.
    stored = token.key_hash if token is not None else "0" * 64
    if not hmac.compare_digest(stored, hash_token(key)) or token is None:
        return None
    user = token.user
    granted = frozenset(
        permission
        for index, permission in enumerate(permissions)
        if user.is_superuser
        or getattr(token, f"perm_{index}_own")
        or getattr(token, f"perm_{index}_group")
    )
    return user, granted
