"""Roles: named bundles of Django model permissions that a group is granted.

A role lists model labels; granting a group ``view`` on a role grants ``view_<model>`` on
each of them. A role may also name ``grants``: further permissions (``app_label.codename``)
that come with one of its flags. Models are named by label so this module imports no other
app.
"""

from django.utils.translation import gettext_lazy as _

ROLES: dict[str, dict] = {
    "admin": {
        "label": _("Admin"),
        "models": [
            "auth.user",
            "auth.group",
            "users.owner",
            "users.ruleset",
            "users.apitoken",
            # Report templates are managed by the admin role, as in InvenTree's rulesets.
            "reports.reporttemplate",
            # Webhook subscriptions send order data to other systems: an administrator's
            # decision. Their delivery logs are read and redelivered with these permissions.
            "webhooks.webhooksubscription",
        ],
    },
    "part": {"label": _("Parts"), "models": ["stock.part", "stock.partcategory"]},
    "stock_location": {"label": _("Stock locations"), "models": ["stock.stocklocation"]},
    "stock": {
        "label": _("Stock items"),
        "models": ["stock.stockitem", "stock.stockitemtracking"],
    },
    "return_order": {
        "label": _("Return orders"),
        "models": [
            "companies.company",
            "companies.contact",
            "companies.address",
            "returns.returnorder",
            "returns.returnorderlineitem",
            "returns.returnorderextraline",
            "returns.returnorderlineresolution",
            "returns.returnorderrepair",
            "returns.returnorderrefund",
            "returns.projectcode",
            # The reason and condition lists are return-order configuration, like project
            # codes: the role's view reads them, its add/change/delete edit them.
            "returns.returnreason",
            "returns.returncondition",
        ],
        # Authorizing or declining a requested return is part of working the order, so it
        # comes with the change flag (the role system keeps InvenTree's four flags).
        "grants": {"change": ["returns.authorize_returnorder"]},
    },
}

ROLE_CHOICES = [(name, spec["label"]) for name, spec in ROLES.items()]
ACTIONS = ("view", "add", "change", "delete")
