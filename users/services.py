"""Writes for accounts, owners, roles and API tokens, and the rules for who may change whom."""

import datetime
import enum
import hmac
import secrets
from collections.abc import Iterable, Sequence

from django.contrib.auth.models import Group, Permission, User
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied
from django.db import models, transaction
from django.db.models import Exists, OuterRef, Q
from django.utils import timezone

from common.sql import ReusedQuery
from users import permission_names
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
    query &= models.Q(codename__in=codenames)
    # Permissions that come with a flag (users.roles "grants").
    for action in actions:
        for name in ROLES[role].get("grants", {}).get(action, []):
            app_label, codename = name.split(".", 1)
            query |= models.Q(content_type__app_label=app_label, codename=codename)
    return list(Permission.objects.filter(query))


def role_permission_names(role: str, actions: Iterable[str]) -> set[str]:
    """``{"app.codename", ...}``: what granting ``actions`` on ``role`` hands out."""
    if role not in ROLES:
        return set()
    return {
        f"{p.content_type.app_label}.{p.codename}"
        for p in Permission.objects.filter(
            pk__in=[p.pk for p in _role_permissions(role, list(actions))]
        ).select_related("content_type")
    }


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


def api_tokens_prune(*, older_than: datetime.timedelta) -> int:
    """Delete tokens that expired more than ``older_than`` ago, and revoked tokens not used
    (or, never used, created) in that time; they can never authenticate again."""
    cutoff = timezone.now() - older_than
    expired = Q(expiry__lt=timezone.localdate() - older_than)
    revoked = Q(revoked=True) & (
        Q(last_seen__lt=cutoff) | Q(last_seen__isnull=True, created__lt=cutoff)
    )
    count, _by_model = ApiToken.objects.filter(expired | revoked).delete()
    return count


def _token_lookup(key_hash):
    return (
        ApiToken.objects.filter(key_hash=key_hash)
        .order_by()
        .annotate(**permission_names.permission_columns(OuterRef("user")))
        .values_list(
            "pk",
            "revoked",
            "expiry",
            "last_seen",
            *(f"user__{name}" for name in _USER_FIELDS),
            *permission_names.COLUMNS,
        )
    )


_USER_FIELDS = tuple(field.attname for field in User._meta.concrete_fields)
# Every API request makes this query, which also reads the user's permissions: compiled once
# (see common.sql).
_TOKEN_LOOKUP = ReusedQuery(_token_lookup)


def api_token_user(key: str):
    """The active user behind a key, or None. Touches ``last_seen`` at most once a minute."""
    if not key or not key.startswith(TOKEN_PREFIX):
        return None
    rows = _TOKEN_LOOKUP.rows(key_hash=hash_token(key))
    if not rows:
        return None
    token_pk, revoked, expiry, last_seen, *user_values, own, grouped = rows[0]
    if revoked or (expiry is not None and expiry < timezone.localdate()):
        return None
    user = User.from_db(ApiToken.objects.db, _USER_FIELDS, user_values)
    permission_names.fill_permission_caches(user, own, grouped)
    if not user.is_active:
        return None
    now = timezone.now()
    if last_seen is None or now - last_seen > datetime.timedelta(minutes=1):
        ApiToken.objects.filter(pk=token_pk).update(last_seen=now)
    return user


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


# -- accounts ------------------------------------------------------------------------------
#
# Who may change whom. Privilege is ordered none < role admin < staff < superuser. Only
# superusers touch staff and superuser accounts; anyone else with user-management rights may
# change accounts below staff whose permissions they hold themselves (and their own), and may
# only hand out permissions they hold. The API and the Django admin both ask these functions.


class Privilege(enum.IntEnum):
    NONE = 0
    ROLE_ADMIN = 10  # holds some permission of the ``admin`` role, without being staff
    STAFF = 20
    SUPERUSER = 30


class AccountChangeRefused(PermissionDenied):
    """A change to an account or group that the acting user may not make; says why."""


ADMIN_ROLE_MODELS = frozenset(ROLES["admin"]["models"])
# What the rule refers to when it asks whether someone may manage accounts.
VIEW_USERS_PERMISSION = "auth.view_user"


def _permission_model(permission: str) -> str:
    """``auth.change_user`` -> ``auth.user``."""
    app_label, codename = permission.split(".", 1)
    return f"{app_label}.{codename.split('_', 1)[-1]}"


def user_permissions(user) -> frozenset[str]:
    """Every permission granted to ``user`` directly or through groups, active or not.

    Unlike ``get_all_permissions`` this ignores ``is_active``: what counts when deciding who
    may manage an account is what it would hold once reactivated. One query, then cached on
    the instance.
    """
    cached = getattr(user, "_account_permissions", None)
    if cached is None:
        rows = (
            Permission.objects.filter(models.Q(user=user) | models.Q(group__user=user))
            .values_list("content_type__app_label", "codename")
            .distinct()
        )
        cached = frozenset(f"{app_label}.{codename}" for app_label, codename in rows)
        user._account_permissions = cached
    return cached


def user_privilege(user) -> Privilege:
    if user.is_superuser:
        return Privilege.SUPERUSER
    if user.is_staff:
        return Privilege.STAFF
    if any(_permission_model(p) in ADMIN_ROLE_MODELS for p in user_permissions(user)):
        return Privilege.ROLE_ADMIN
    return Privilege.NONE


def account_details_visible_to(*, viewer) -> bool:
    """Whether ``viewer`` sees e-mail, flags, groups and dates of other accounts."""
    return bool(viewer.is_superuser or viewer.is_staff or viewer.has_perm(VIEW_USERS_PERMISSION))


def account_manage_refusal(*, actor, target) -> str | None:
    """Why ``actor`` may not change, deactivate, re-group or delete ``target``; None if they may.

    Whether ``actor`` has user-management rights at all is the role check's business; this is
    the rule on top of it. Everyone may manage their own account (privilege flags aside).
    """
    if actor.is_superuser or actor.pk == target.pk:
        return None
    target_level = user_privilege(target)
    if target_level is Privilege.SUPERUSER:
        return "Only a superuser may change or delete a superuser."
    if target_level is Privilege.STAFF:
        return "Only a superuser may change or delete a staff account."
    if target_level > user_privilege(actor) or not user_permissions(target) <= user_permissions(
        actor
    ):
        return (
            "You may not change or delete an account that holds permissions you do not hold "
            "yourself."
        )
    return None


def permissions_grant_refusal(*, actor, permissions: Iterable[str], what: str) -> str | None:
    """Why ``actor`` may not hand out ``permissions`` (through ``what``); None if they may."""
    if actor.is_superuser:
        return None
    missing = sorted(set(permissions) - user_permissions(actor))
    if missing:
        return (
            f"You may not grant permissions you do not hold yourself ({what}: "
            f"{', '.join(missing)})."
        )
    return None


def group_permission_names(groups: Iterable[Group]) -> dict[int, set[str]]:
    """``{group pk: {"app.codename", ...}}`` in one query."""
    granted: dict[int, set[str]] = {group.pk: set() for group in groups}
    rows = Permission.objects.filter(group__in=list(granted)).values_list(
        "group", "content_type__app_label", "codename"
    )
    for group_pk, app_label, codename in rows:
        granted[group_pk].add(f"{app_label}.{codename}")
    return granted


def groups_grant_refusal(*, actor, groups: Iterable[Group]) -> str | None:
    """Why ``actor`` may not add someone to ``groups``; None if they may.

    A group may be handed out only by someone who holds every permission it grants.
    """
    groups = list(groups)
    if actor.is_superuser or not groups:
        return None
    names = {group.pk: group.name for group in groups}
    for group_pk, permissions in group_permission_names(groups).items():
        refusal = permissions_grant_refusal(
            actor=actor, permissions=permissions, what=f"group {names[group_pk]!r}"
        )
        if refusal:
            return refusal
    return None


def group_change_refusal(*, actor, group: Group, delete: bool = False) -> str | None:
    """Why ``actor`` may not rename or delete ``group``; None if they may.

    A non-superuser may change only groups they could hand out (every permission the group
    grants is theirs too), and may not delete a group with staff or superuser members: that
    would re-group accounts above their own.
    """
    if actor.is_superuser:
        return None
    refusal = permissions_grant_refusal(
        actor=actor,
        permissions=group_permission_names([group])[group.pk],
        what=f"group {group.name!r}",
    )
    if refusal:
        return refusal
    if (
        delete
        and group.user_set.filter(models.Q(is_staff=True) | models.Q(is_superuser=True)).exists()
    ):
        return "Only a superuser may delete a group that has staff or superuser members."
    return None


def _refuse(refusal: str | None) -> None:
    if refusal:
        raise AccountChangeRefused(refusal)


def _check_flags(*, actor, target: User | None, data: dict) -> None:
    for flag, label in (("is_staff", "staff status"), ("is_superuser", "superuser status")):
        current = getattr(target, flag) if target is not None else False
        if flag in data and bool(data[flag]) != current and not actor.is_superuser:
            raise AccountChangeRefused(f"Only a superuser can grant or remove {label}.")


@transaction.atomic
def user_create(*, actor, data: dict) -> User:
    """Create an account as ``actor``: ``data`` holds model fields, ``password`` and ``groups``.

    Raises ``AccountChangeRefused`` when ``actor`` would hand out staff or superuser status or
    a group with permissions they do not hold. Without a password the account cannot log in
    until one is set.
    """
    data = dict(data)
    password = data.pop("password", None)
    groups = list(data.pop("groups", None) or [])
    _check_flags(actor=actor, target=None, data=data)
    _refuse(groups_grant_refusal(actor=actor, groups=groups))
    user = User(**data)
    if password:
        user.set_password(password)
    else:
        user.set_unusable_password()
    user.save()
    user.groups.set(groups)
    return user


@transaction.atomic
def user_update(*, actor, user: User, data: dict) -> User:
    """Change ``user`` as ``actor`` and return the saved account.

    Locks the account row, then checks ``account_manage_refusal``, the privilege flags and any
    group being added; raises ``AccountChangeRefused`` (nothing written) when one refuses. A new
    password revokes the user's API tokens and ends their sessions (see
    ``user_password_changed``).
    """
    data = dict(data)
    user = User.objects.select_for_update().get(pk=user.pk)
    _refuse(account_manage_refusal(actor=actor, target=user))
    _check_flags(actor=actor, target=user, data=data)
    password = data.pop("password", None)
    groups = data.pop("groups", None)
    if groups is not None:
        current = set(user.groups.values_list("pk", flat=True))
        _refuse(
            groups_grant_refusal(actor=actor, groups=[g for g in groups if g.pk not in current])
        )
    for field, value in data.items():
        setattr(user, field, value)
    if password:
        user.set_password(password)
    user.save()
    if groups is not None:
        user.groups.set(groups)
    return user


@transaction.atomic
def user_delete(*, actor, user: User) -> None:
    """Delete ``user`` as ``actor``; raises ``AccountChangeRefused`` if the rule refuses."""
    user = User.objects.select_for_update().get(pk=user.pk)
    _refuse(account_manage_refusal(actor=actor, target=user))
    user.delete()


@transaction.atomic
def group_update(*, actor, group: Group, data: dict) -> Group:
    group = Group.objects.select_for_update().get(pk=group.pk)
    _refuse(group_change_refusal(actor=actor, group=group))
    for field, value in data.items():
        setattr(group, field, value)
    group.save()
    return group


@transaction.atomic
def group_delete(*, actor, group: Group) -> None:
    group = Group.objects.select_for_update().get(pk=group.pk)
    _refuse(group_change_refusal(actor=actor, group=group, delete=True))
    group.delete()


def user_password_changed(*, user) -> int:
    """What a new password ends: the user's API tokens are revoked (returns how many).

    Called for every saved password change, whoever makes it and wherever (see
    ``users.signals``). Sessions need nothing here: Django keeps a hash of the password in each
    session and logs out every session whose hash no longer matches, and
    ``update_session_auth_hash`` keeps only the session that changed its own password alive.
    Calendar keys stay: they only read the calendar feeds.
    """
    return ApiToken.objects.filter(user=user, revoked=False).update(revoked=True)
