"""Writes for owners, roles and API tokens."""

import datetime
import secrets

from django.contrib.auth.models import Group, Permission
from django.contrib.contenttypes.models import ContentType
from django.db import models, transaction
from django.utils import timezone

from users.models import ApiToken, Owner, RuleSet, hash_token
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
