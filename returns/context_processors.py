from common import site_settings


def navigation(request):
    """Whether to show "Return Orders" in the main navigation (one query per page)."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"show_return_orders": False}
    enabled = bool(site_settings.get_value("RETURNORDER_ENABLED"))
    return {"show_return_orders": enabled and user.has_perm("returns.view_returnorder")}
