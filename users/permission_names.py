"""A user's permissions, read by the query that reads the user.

Every request checks roles, so reading the permissions is part of every request's cost. Rather
than a second query after the user's, the queries that find a request's user (the session's,
an API key's) carry two more columns: the names (``app_label.codename``) of the user's own
permissions and of its groups' permissions, each joined by commas. ``fill_permission_caches``
puts them where Django's backend keeps them, so ``has_perm`` reads nothing more.
"""

from django.contrib.auth.models import Permission
from django.db.models import CharField, Subquery, Value
from django.db.models.functions import Concat

from common.aggregates import SEPARATOR, JoinedText

# The two columns, in this order, after the user's own.
COLUMNS = ("own_permission_names", "group_permission_names")


def _names(path: str, user_ref) -> Subquery:
    name = Concat("content_type__app_label", Value("."), "codename", output_field=CharField())
    return Subquery(
        Permission.objects.filter(**{path: user_ref})
        .order_by()
        .values(path)
        .annotate(names=JoinedText(name))
        .values("names")
    )


def permission_columns(user_ref) -> dict[str, Subquery]:
    """Annotations for a queryset whose rows name a user (``user_ref``, an ``OuterRef``)."""
    own, grouped = COLUMNS
    return {own: _names("user", user_ref), grouped: _names("group__user", user_ref)}


def _split(names: str | None) -> set[str]:
    return set(names.split(SEPARATOR)) if names else set()


def fill_permission_caches(user, own: str | None, grouped: str | None):
    """Give ``user`` the permission caches Django's ``ModelBackend`` would fill on first use.

    Not for inactive users (they hold no permissions) or superusers (``has_perm`` answers
    without asking; a superuser's ``get_all_permissions`` still reads every permission).
    """
    if user.is_active and not user.is_superuser:
        user._user_perm_cache = _split(own)
        user._group_perm_cache = _split(grouped)
        user._perm_cache = user._user_perm_cache | user._group_perm_cache
    return user
