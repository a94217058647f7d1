"""Role-based API permissions.

A request needs the Django model permission that matches its method on the view's model:
GET/HEAD/OPTIONS -> view, POST -> add, PUT/PATCH -> change, DELETE -> delete. Groups get those
model permissions from their roles (see ``users.roles``). Superusers pass every check.

Views tune the mapping with a few attributes:

``permission_model``
    The model whose permissions apply (default: ``view.queryset.model``), or a
    ``get_permission_model()`` method for views whose model depends on the request.
``permission_actions``
    ``{"POST": "add"}``-style overrides, e.g. for transition endpoints.
``extra_permissions``
    ``{"POST": ["stock.change_stockitem"]}``: further permissions a method needs.
``read_requires_role``
    ``False`` lets every authenticated user read (lists of users and owners).
"""

from django.db import models
from rest_framework.permissions import BasePermission

METHOD_ACTIONS = {
    "GET": "view",
    "HEAD": "view",
    "OPTIONS": "view",
    "POST": "add",
    "PUT": "change",
    "PATCH": "change",
    "DELETE": "delete",
}
READ_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


def model_permission(model: type[models.Model], action: str) -> str:
    return f"{model._meta.app_label}.{action}_{model._meta.model_name}"


def view_permission_model(view, request=None) -> type[models.Model] | None:
    getter = getattr(view, "get_permission_model", None)
    if getter is not None:
        return getter()
    model = getattr(view, "permission_model", None)
    if model is not None:
        return model
    queryset = getattr(view, "queryset", None)
    return queryset.model if queryset is not None else None


def required_permissions(view, method: str) -> list[str]:
    """The permissions a request with ``method`` needs on ``view`` (beyond being logged in)."""
    method = method.upper()
    if method in READ_METHODS and not getattr(view, "read_requires_role", True):
        return []
    model = view_permission_model(view)
    perms = []
    if model is not None:
        action = getattr(view, "permission_actions", {}).get(method) or METHOD_ACTIONS.get(method)
        if action:
            perms.append(model_permission(model, action))
    perms.extend(getattr(view, "extra_permissions", {}).get(method, []))
    return perms


class RolePermission(BasePermission):
    message = "You do not have permission to perform this action."

    def has_permission(self, request, view) -> bool:
        user = request.user
        if not (user and user.is_authenticated):
            return False
        if user.is_superuser:
            return True
        return user.has_perms(required_permissions(view, request.method))


class IsStaffForWrites(BasePermission):
    """Any authenticated user may read; only staff may write (site settings)."""

    def has_permission(self, request, view) -> bool:
        user = request.user
        if not (user and user.is_authenticated):
            return False
        return request.method in READ_METHODS or user.is_staff or user.is_superuser
