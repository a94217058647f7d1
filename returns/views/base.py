"""What the return-order pages share: the enabled check and permission decorator, error
messages and the permission flags the templates read."""

from functools import wraps

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.utils.translation import gettext as _
from djmoney.money import Money

from common import site_settings
from returns.models import ReturnOrder

PAGE_SIZE = 25
SORTS = {
    "reference": ["reference_int", "reference"],
    "customer": ["customer__name"],
    "customer_reference": ["customer_reference"],
    "description": ["description"],
    "lines": ["line_items"],
    "status": ["status"],
    "responsible": ["responsible__name"],
    "target_date": ["target_date"],
    "total_price": ["total_price"],
    "creation_date": ["creation_date"],
}


def enabled() -> bool:
    return bool(site_settings.get_value("RETURNORDER_ENABLED"))


def return_order_page(permission: str):
    """Log-in required, 404 while return orders are disabled, 403 without ``permission``."""

    def decorator(view):
        @login_required
        @wraps(view)
        def wrapper(request, *args, **kwargs):
            if not enabled():
                raise Http404(_("Return orders are not enabled."))
            if not request.user.has_perm(permission):
                raise PermissionDenied
            return view(request, *args, **kwargs)

        return wrapper

    return decorator


def _errors(exc: ValidationError) -> list[str]:
    if hasattr(exc, "error_dict"):
        return [
            f"{'' if field == '__all__' else field.replace('_', ' ').capitalize() + ': '}{message}"
            for field, errors in exc.message_dict.items()
            for message in errors
        ]
    return list(exc.messages)


def _add_service_errors(form, exc: ValidationError) -> None:
    """Put a service's ValidationError on the form: beside its field when the form has one."""
    if hasattr(exc, "error_dict"):
        for field, errors in exc.message_dict.items():
            target = field if field in form.fields else None
            for message in errors:
                form.add_error(target, message)
    else:
        for message in exc.messages:
            form.add_error(None, message)


def _perms(user) -> dict[str, bool]:
    return {
        "view": user.has_perm("returns.view_returnorder"),
        "add": user.has_perm("returns.add_returnorder"),
        "change": user.has_perm("returns.change_returnorder"),
        "delete": user.has_perm("returns.delete_returnorder"),
        "authorize": user.has_perm("returns.authorize_returnorder"),
        "receive": user.has_perm("returns.add_returnorder")
        and user.has_perm("stock.change_stockitem"),
        # Resolving a line changes the order and the stock it moves (as the API asks).
        "resolve": user.has_perm("returns.change_returnorder")
        and user.has_perm("stock.change_stockitem"),
        "add_line": user.has_perm("returns.add_returnorderlineitem"),
        "change_line": user.has_perm("returns.change_returnorderlineitem"),
        "delete_line": user.has_perm("returns.delete_returnorderlineitem"),
        "add_extra": user.has_perm("returns.add_returnorderextraline"),
        "change_extra": user.has_perm("returns.change_returnorderextraline"),
        "delete_extra": user.has_perm("returns.delete_returnorderextraline"),
    }


def _money(amount, currency: str | None, order: ReturnOrder) -> Money | None:
    if amount is None:
        return None
    return Money(amount, currency or order.currency)
