"""Stock status and history codes, with InvenTree's values."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class StockStatus(models.IntegerChoices):
    OK = 10, _("OK")
    ATTENTION = 50, _("Attention needed")
    DAMAGED = 55, _("Damaged")
    DESTROYED = 60, _("Destroyed")
    REJECTED = 65, _("Rejected")
    LOST = 70, _("Lost")
    QUARANTINED = 75, _("Quarantined")
    RETURNED = 85, _("Returned")


StockStatus.colours = {
    10: "success",
    50: "warning",
    55: "warning",
    60: "danger",
    65: "danger",
    70: "dark",
    75: "info",
    85: "warning",
}

# Statuses in which an item counts as available stock.
AVAILABLE_CODES = (StockStatus.OK, StockStatus.ATTENTION, StockStatus.DAMAGED, StockStatus.RETURNED)


class StockHistoryCode(models.IntegerChoices):
    CREATED = 1, _("Stock item created")
    EDITED = 5, _("Edited stock item")
    ASSIGNED_SERIAL = 6, _("Assigned serial number")
    STOCK_COUNT = 10, _("Stock counted")
    STOCK_ADD = 11, _("Stock manually added")
    STOCK_REMOVE = 12, _("Stock manually removed")
    RETURNED_TO_STOCK = 15, _("Returned to stock")
    STOCK_MOVE = 20, _("Location changed")
    STOCK_UPDATE = 25, _("Stock item updated")
    INSTALLED_INTO_ASSEMBLY = 30, _("Installed into assembly")
    INSTALLED_CHILD_ITEM = 35, _("Installed component item")
    SPLIT_FROM_PARENT = 40, _("Split from parent item")
    SPLIT_CHILD_ITEM = 42, _("Split child item")
    SHIPPED_AGAINST_SALES_ORDER = 60, _("Shipped to customer")
    RECEIVED_AGAINST_PURCHASE_ORDER = 70, _("Received against purchase order")
    RETURNED_AGAINST_RETURN_ORDER = 80, _("Returned against Return Order")
    SENT_TO_CUSTOMER = 100, _("Sent to customer")
    RETURNED_FROM_CUSTOMER = 105, _("Returned from customer")


# Statuses a unit may be scrapped into, or left in when it stays with the business.
SCRAP_CODES = (StockStatus.REJECTED, StockStatus.DESTROYED)
