"""Owners (a user or a group), role grants per group, and named API tokens."""

import hashlib

from django.conf import settings
from django.contrib.auth.models import Group, User
from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from users.roles import ROLE_CHOICES


class OwnerQuerySet(models.QuerySet):
    def for_user(self, user) -> "OwnerQuerySet":
        """The user's own owner plus the owners of the user's groups (``assigned_to_me``)."""
        if not user or not user.is_authenticated:
            return self.none()
        user_type = ContentType.objects.get_for_model(User)
        group_type = ContentType.objects.get_for_model(Group)
        group_ids = user.groups.values("pk")
        return self.filter(
            Q(owner_type=user_type, owner_id=user.pk)
            | Q(owner_type=group_type, owner_id__in=group_ids)
        )


class Owner(models.Model):
    """Something an order can be assigned to: a user or a group.

    One is created for every user and group (see ``users.signals``).
    """

    owner_type = models.ForeignKey(ContentType, on_delete=models.CASCADE)
    owner_id = models.PositiveIntegerField()
    owner = GenericForeignKey("owner_type", "owner_id")
    # Denormalised for listing and searching without touching the owner table.
    name = models.CharField(max_length=150, blank=True)

    objects = OwnerQuerySet.as_manager()

    api_list_url = "/api/user/owner/"

    class Meta:
        ordering = ["name", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["owner_type", "owner_id"], name="unique_owner")
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.label})"

    @property
    def label(self) -> str:
        return "group" if self.owner_type.model == "group" else "user"

    @property
    def owner_model(self) -> str:
        return self.owner_type.model


class RuleSet(models.Model):
    """The permissions a group holds on one role."""

    group = models.ForeignKey(Group, on_delete=models.CASCADE, related_name="rule_sets")
    name = models.CharField(max_length=50, choices=ROLE_CHOICES)
    can_view = models.BooleanField(default=False)
    can_add = models.BooleanField(default=False)
    can_change = models.BooleanField(default=False)
    can_delete = models.BooleanField(default=False)

    class Meta:
        verbose_name = _("role")
        ordering = ["group__name", "name"]
        constraints = [models.UniqueConstraint(fields=["group", "name"], name="unique_group_role")]

    def __str__(self) -> str:
        flags = [a for a in ("view", "add", "change", "delete") if getattr(self, f"can_{a}")]
        return f"{self.group.name}: {self.name} ({', '.join(flags) or 'none'})"

    def actions(self) -> list[str]:
        """Granted actions: each flag grants its own action, and any flag also grants view.

        Nothing else is implied: add and delete do not grant change (InvenTree's rule sets
        imply it, which let a role with view and add edit every order). View comes with the
        others because every write answers with the object it wrote, and a page that edits an
        object shows it first: a role that may write but not read would only be confusing.
        """
        granted = {a for a in ("view", "add", "change", "delete") if getattr(self, f"can_{a}")}
        if granted:
            granted.add("view")
        return sorted(granted)


def hash_token(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


class ApiTokenQuerySet(models.QuerySet):
    def active(self) -> "ApiTokenQuerySet":
        today = timezone.localdate()
        return self.filter(revoked=False).filter(Q(expiry__isnull=True) | Q(expiry__gte=today))


class ApiToken(models.Model):
    """A named API key. Only a SHA-256 of the key is stored; the key is shown once."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="api_tokens"
    )
    name = models.CharField(max_length=100)
    key_hash = models.CharField(max_length=64, unique=True, editable=False)
    prefix = models.CharField(max_length=16, editable=False, help_text=_("Start of the key"))
    created = models.DateTimeField(default=timezone.now, editable=False)
    expiry = models.DateField(null=True, blank=True)
    revoked = models.BooleanField(default=False)
    last_seen = models.DateTimeField(null=True, blank=True, editable=False)

    objects = ApiTokenQuerySet.as_manager()

    class Meta:
        verbose_name = _("API token")
        ordering = ["-created", "-pk"]

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"

    @property
    def active(self) -> bool:
        return not self.revoked and (self.expiry is None or self.expiry >= timezone.localdate())


CALENDAR_TOKEN_PREFIX = "bmc-"


class CalendarToken(models.Model):
    """A user's secret for calendar feed URLs (``?token=``): one per user, read-only.

    It is not an API token: only the calendar feeds accept it (see
    ``users.authentication.CalendarTokenAuthentication``). The key is ``bmc-`` + a public
    ``selector`` (to find the row) + a secret; only a SHA-256 of the whole key is stored and
    it is compared in constant time. Regenerating replaces the key; revoking deletes the row.
    """

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="calendar_token"
    )
    selector = models.CharField(max_length=16, unique=True, editable=False)
    key_hash = models.CharField(max_length=64, editable=False)
    created = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        verbose_name = _("calendar token")

    def __str__(self) -> str:
        return f"{self.user} ({self.prefix}…)"

    @property
    def prefix(self) -> str:
        """What the pages show of the key: enough to recognise it, too little to use it."""
        return CALENDAR_TOKEN_PREFIX + self.selector[:8]
