"""Return orders (RMAs), their line items, extra lines and history."""

from decimal import Decimal

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from djmoney.models.fields import MoneyField

from returns.statuses import (
    OPEN_STATUSES,
    DispositionKind,
    RejectDisposition,
    ResolutionKind,
    ReturnOrderLineStatus,
    ReturnOrderStatus,
    WarrantyStartSource,
    WarrantyStatus,
)
from stock.statuses import StockStatus

REFERENCE_PATTERN_SETTING = "RETURNORDER_REFERENCE_PATTERN"


class ProjectCode(models.Model):
    code = models.CharField(_("project code"), max_length=50, unique=True)
    description = models.CharField(_("description"), max_length=200, blank=True)
    responsible = models.ForeignKey(
        "users.Owner", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    metadata = models.JSONField(blank=True, null=True)

    api_list_url = "/api/project-code/"

    class Meta:
        verbose_name = _("project code")
        ordering = ["code"]

    def __str__(self) -> str:
        return self.code


class ReturnChoiceList(models.Model):
    """An entry of a configurable list a line chooses from (a return reason, a condition).

    Inactive entries are offered for no new line but still name the lines that chose them;
    an entry in use cannot be deleted (``PROTECT``), only deactivated.
    """

    code = models.SlugField(_("code"), max_length=50, unique=True)
    label = models.CharField(_("label"), max_length=100)
    active = models.BooleanField(_("active"), default=True)
    sort_order = models.PositiveIntegerField(
        _("sort order"), default=0, help_text=_("Lower numbers are listed first")
    )

    class Meta:
        abstract = True
        ordering = ["sort_order", "label", "pk"]

    def __str__(self) -> str:
        return self.label


class ReturnReason(ReturnChoiceList):
    """Why the customer sends an item back (Faulty, Wrong item, ...)."""

    api_list_url = "/api/order/ro-reason/"

    class Meta(ReturnChoiceList.Meta):
        verbose_name = _("return reason")


class ReturnCondition(ReturnChoiceList):
    """The state a returned item arrives in (Unopened, Opened, Damaged, Missing parts)."""

    api_list_url = "/api/order/ro-condition/"

    class Meta(ReturnChoiceList.Meta):
        verbose_name = _("return condition")


class ReturnOrderQuerySet(models.QuerySet):
    def open(self):
        return self.filter(status__in=OPEN_STATUSES)

    def overdue(self):
        return self.filter(overdue_filter())


def overdue_filter(today=None) -> Q:
    today = today or timezone.localdate()
    return Q(status__in=OPEN_STATUSES, target_date__isnull=False, target_date__lt=today)


class ReturnOrder(models.Model):
    reference = models.CharField(
        _("reference"), max_length=64, unique=True, help_text=_("Return Order reference")
    )
    # Indexed with ``reference`` below: the reference sort is (reference_int, reference, pk).
    reference_int = models.BigIntegerField(default=0, editable=False)
    customer = models.ForeignKey(
        "companies.Company",
        # Nullable like InvenTree's (imported data), but required by the API and the pages;
        # a company with return orders cannot be deleted.
        null=True,
        on_delete=models.PROTECT,
        related_name="return_orders",
        limit_choices_to={"is_customer": True},
        help_text=_("Company from which items are being returned"),
    )
    description = models.CharField(
        _("description"), max_length=250, blank=True, help_text=_("Order description (optional)")
    )
    customer_reference = models.CharField(
        _("customer reference"),
        max_length=64,
        blank=True,
        help_text=_("Customer order reference code"),
    )
    status = models.PositiveIntegerField(
        _("status"),
        choices=ReturnOrderStatus.choices,
        default=ReturnOrderStatus.PENDING,
        help_text=_("Return order status"),
    )
    responsible = models.ForeignKey(
        "users.Owner",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        help_text=_("User or group responsible for this order"),
    )
    contact = models.ForeignKey(
        "companies.Contact",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        help_text=_("Point of contact for this order"),
    )
    address = models.ForeignKey(
        "companies.Address",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        help_text=_("Company address for this order"),
    )
    link = models.URLField(
        _("link"), max_length=2000, blank=True, help_text=_("Link to external page")
    )
    project_code = models.ForeignKey(
        ProjectCode,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        help_text=_("Select project code for this order"),
    )
    creation_date = models.DateField(_("creation date"), default=timezone.localdate)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    start_date = models.DateField(
        _("start date"), null=True, blank=True, help_text=_("Scheduled start date for this order")
    )
    target_date = models.DateField(
        _("target date"),
        null=True,
        blank=True,
        help_text=_("Expected date for order delivery. Order will be overdue after this date."),
    )
    issue_date = models.DateField(
        _("issue date"), null=True, blank=True, help_text=_("Date order was issued")
    )
    complete_date = models.DateField(
        _("completion date"), null=True, blank=True, help_text=_("Date order was completed")
    )
    notes = models.TextField(_("notes"), max_length=50000, blank=True, null=True)
    metadata = models.JSONField(blank=True, null=True)
    order_currency = models.CharField(
        _("order currency"),
        max_length=3,
        blank=True,
        null=True,
        help_text=_("Currency for this order (leave blank to use company default)"),
    )
    total_price = MoneyField(
        _("total price"),
        max_digits=19,
        decimal_places=6,
        null=True,
        blank=True,
        default_currency=None,
    )
    total_price_note = models.CharField(
        max_length=250, blank=True, help_text=_("Why the total price could not be calculated")
    )
    # Sum of the order's refunds that stand (not undone), converted like ``total_price``.
    total_refunded = MoneyField(
        _("total refunded"),
        max_digits=19,
        decimal_places=6,
        null=True,
        blank=True,
        default_currency=None,
    )
    total_refunded_note = models.CharField(
        max_length=250, blank=True, help_text=_("Why the refunded total could not be calculated")
    )
    # Raised whenever the target date changes: the calendar feed's SEQUENCE.
    target_date_sequence = models.PositiveIntegerField(default=0, editable=False)
    overdue_notified = models.BooleanField(default=False, editable=False)
    # Authorization (returns.services.authorization): who accepted or declined the order, and
    # when. Empty for orders that never needed it.
    authorized_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        editable=False,
        help_text=_("User who authorized or declined this order"),
    )
    authorized_date = models.DateTimeField(
        _("authorization date"),
        null=True,
        blank=True,
        editable=False,
        help_text=_("When this order was authorized or declined"),
    )
    # True while some line is authorized for less than its quantity.
    partially_authorized = models.BooleanField(default=False, editable=False)
    decline_reason = models.TextField(_("decline reason"), max_length=2000, blank=True)
    # The customer portal lists the order to the customer's contacts while this is on.
    visible_to_customer = models.BooleanField(
        _("visible to customer"),
        default=True,
        help_text=_("Show this order to the customer's contacts in the customer portal"),
    )
    # Requested by a customer in the portal, not typed by staff (the Requests view).
    from_portal = models.BooleanField(_("created from the portal"), default=False, editable=False)
    updated_at = models.DateTimeField(auto_now=True, db_index=True)

    objects = ReturnOrderQuerySet.as_manager()

    api_list_url = "/api/order/ro/"

    class Meta:
        verbose_name = _("return order")
        ordering = ["-reference_int", "-pk"]
        permissions = [("authorize_returnorder", _("Can authorize or decline return orders"))]
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=ReturnOrderStatus.values), name="returnorder_status_valid"
            ),
            models.CheckConstraint(
                condition=Q(start_date__isnull=True)
                | Q(target_date__isnull=True)
                | Q(start_date__lte=models.F("target_date")),
                name="returnorder_start_before_target",
            ),
        ]
        indexes = [
            models.Index(fields=["status", "target_date"]),
            models.Index(fields=["customer", "status"]),
            models.Index(fields=["responsible", "status"]),
            # The index page and the API pick a page's keys in these orders without sorting
            # every match (bench/index_100k.py): newest reference first, alone or within a
            # status, a customer's orders by target date, and the API's orderings by target
            # date, creation date and status. Each ends with the primary key, as the ordering
            # does (common.filters.OrderingFilter), so the keys come from the index alone.
            models.Index(
                fields=["reference_int", "reference", "id"], name="returnorder_reference_idx"
            ),
            models.Index(
                fields=["status", "reference_int", "reference", "id"],
                name="returnorder_status_ref_idx",
            ),
            models.Index(
                fields=["customer", "target_date", "id"], name="returnorder_cust_target_idx"
            ),
            models.Index(fields=["target_date", "id"], name="returnorder_target_idx"),
            models.Index(fields=["creation_date", "id"], name="returnorder_created_idx"),
            models.Index(fields=["status", "id"], name="returnorder_status_pk_idx"),
        ]

    def __str__(self) -> str:
        customer = self.customer.name if self.customer_id else _("no customer")
        return f"{self.reference} - {customer}"

    def get_absolute_url(self) -> str:
        try:
            return reverse("returns:detail", kwargs={"pk": self.pk})
        except Exception:
            return f"/returns/{self.pk}/"

    @property
    def currency(self) -> str:
        if self.order_currency:
            return self.order_currency
        if self.customer_id:
            return self.customer.currency_code
        return settings.DEFAULT_CURRENCY

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES

    @property
    def is_overdue(self) -> bool:
        return (
            self.is_open
            and self.target_date is not None
            and self.target_date < timezone.localdate()
        )


class ReturnOrderLineItem(models.Model):
    # No index of its own: the (order, received_date) index and the (order, item) unique
    # constraint lead with it and serve every query on it alone.
    order = models.ForeignKey(
        ReturnOrder,
        on_delete=models.CASCADE,
        related_name="lines",
        help_text=_("Return Order"),
        db_index=False,
    )
    item = models.ForeignKey(
        "stock.StockItem",
        on_delete=models.PROTECT,
        related_name="return_order_lines",
        help_text=_("Select item to return from customer"),
    )
    quantity = models.DecimalField(
        _("quantity"),
        max_digits=15,
        decimal_places=5,
        default=Decimal(1),
        validators=[MinValueValidator(Decimal(0))],
        help_text=_("Quantity to return"),
    )
    received_date = models.DateField(
        _("received date"),
        null=True,
        blank=True,
        help_text=_("The date this return item was received"),
    )
    outcome = models.PositiveIntegerField(
        _("outcome"),
        choices=ReturnOrderLineStatus.choices,
        default=ReturnOrderLineStatus.PENDING,
        help_text=_("Outcome for this line item"),
    )
    price = MoneyField(
        _("price"),
        max_digits=19,
        decimal_places=6,
        null=True,
        blank=True,
        default_currency=None,
        help_text=_("Cost associated with return or repair for this line item"),
    )
    reference = models.CharField(
        _("reference"), max_length=100, blank=True, help_text=_("Line item reference")
    )
    notes = models.CharField(_("notes"), max_length=500, blank=True, help_text=_("Line item notes"))
    reason = models.ForeignKey(
        ReturnReason,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="lines",
        verbose_name=_("reason"),
        help_text=_("Why the item is returned"),
    )
    condition = models.ForeignKey(
        ReturnCondition,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="lines",
        verbose_name=_("condition"),
        help_text=_("The condition the item arrived in (recorded at receipt)"),
    )
    link = models.URLField(
        _("link"), max_length=2000, blank=True, help_text=_("Link to external page")
    )
    target_date = models.DateField(
        _("target date"),
        null=True,
        blank=True,
        help_text=_(
            "Target date for this line item (leave blank to use the target date from the order)"
        ),
    )
    # Raised whenever the target date changes: the SEQUENCE of the line's calendar event.
    target_date_sequence = models.PositiveIntegerField(default=0, editable=False)
    # The day the line was added: the day its warranty is judged on. Lines from before this
    # field took their order's creation date.
    creation_date = models.DateField(
        _("creation date"), null=True, blank=True, default=timezone.localdate, editable=False
    )
    warranty_status = models.CharField(
        _("computed warranty"),
        max_length=20,
        choices=WarrantyStatus.choices,
        default=WarrantyStatus.UNKNOWN,
        help_text=_("Warranty answer computed from the part's period and the start date"),
    )
    warranty_start = models.DateField(
        _("warranty start"),
        null=True,
        blank=True,
        help_text=_("Date the unit was delivered to the customer"),
    )
    warranty_start_source = models.CharField(
        _("warranty start source"), max_length=20, blank=True, choices=WarrantyStartSource.choices
    )
    warranty_expiry = models.DateField(
        _("warranty expiry"),
        null=True,
        blank=True,
        help_text=_("Last day the unit is in warranty"),
    )
    warranty_override = models.CharField(
        _("warranty override"),
        max_length=20,
        blank=True,
        choices=WarrantyStatus.choices,
        help_text=_("Warranty answer set by hand, in place of the computed one"),
    )
    warranty_override_reason = models.CharField(
        _("warranty override reason"), max_length=500, blank=True
    )
    metadata = models.JSONField(blank=True, null=True)
    # The quantity the authorizer accepted (at most ``quantity``); empty means no limit, as on
    # orders that never needed authorization.
    authorized_quantity = models.DecimalField(
        _("authorized quantity"),
        max_digits=15,
        decimal_places=5,
        null=True,
        blank=True,
        editable=False,
        validators=[MinValueValidator(Decimal(0))],
        help_text=_("Quantity accepted for return when the order was authorized"),
    )
    # Sums over the line's receipts that stand (``ReturnOrderReceipt``): good and damaged
    # units received, and units recorded as missing. Written only by the receipt services.
    received_quantity = models.DecimalField(
        _("received quantity"),
        max_digits=15,
        decimal_places=5,
        default=Decimal(0),
        editable=False,
    )
    missing_quantity = models.DecimalField(
        _("missing quantity"),
        max_digits=15,
        decimal_places=5,
        default=Decimal(0),
        editable=False,
    )

    api_list_url = "/api/order/ro-line/"

    class Meta:
        verbose_name = _("return order line item")
        ordering = ["pk"]
        constraints = [
            models.UniqueConstraint(fields=["order", "item"], name="unique_returnorder_item"),
            models.CheckConstraint(
                condition=Q(outcome__in=ReturnOrderLineStatus.values),
                name="returnorderline_outcome_valid",
            ),
            models.CheckConstraint(
                condition=Q(quantity__gt=0), name="returnorderline_quantity_gt_0"
            ),
        ]
        indexes = [models.Index(fields=["order", "received_date"])]

    def __str__(self) -> str:
        return f"{self.order.reference}: {self.item}"

    @property
    def received(self) -> bool:
        return self.received_date is not None

    @property
    def warranty(self) -> str:
        """The warranty answer that stands: the override when one is set."""
        return self.warranty_override or self.warranty_status

    def get_warranty_display(self) -> str:
        return str(WarrantyStatus(self.warranty).label)

    @property
    def expected_quantity(self) -> Decimal:
        """What may come back: the quantity, or less when the order was authorized for less."""
        if self.authorized_quantity is None:
            return self.quantity
        return min(self.authorized_quantity, self.quantity)

    @property
    def outstanding_quantity(self) -> Decimal:
        """What may still come back: neither received nor recorded as missing."""
        return self.expected_quantity - self.received_quantity - self.missing_quantity


class ReturnOrderExtraLine(models.Model):
    order = models.ForeignKey(
        ReturnOrder,
        on_delete=models.CASCADE,
        related_name="extra_lines",
        help_text=_("Return Order"),
    )
    reference = models.CharField(
        _("reference"), max_length=100, blank=True, help_text=_("Line item reference")
    )
    description = models.CharField(
        _("description"),
        max_length=250,
        blank=True,
        help_text=_("Line item description (optional)"),
    )
    quantity = models.DecimalField(
        _("quantity"),
        max_digits=15,
        decimal_places=5,
        default=Decimal(1),
        validators=[MinValueValidator(Decimal(0))],
        help_text=_("Item quantity"),
    )
    price = MoneyField(
        _("price"),
        max_digits=19,
        decimal_places=6,
        null=True,
        blank=True,
        default_currency=None,
        help_text=_("Unit price"),
    )
    notes = models.CharField(_("notes"), max_length=500, blank=True, help_text=_("Line item notes"))
    link = models.URLField(
        _("link"), max_length=2000, blank=True, help_text=_("Link to external page")
    )
    context = models.JSONField(
        blank=True, null=True, help_text=_("Additional context for this line")
    )
    metadata = models.JSONField(blank=True, null=True)

    api_list_url = "/api/order/ro-extra-line/"

    class Meta:
        verbose_name = _("return order extra line")
        ordering = ["pk"]

    def __str__(self) -> str:
        return f"{self.order.reference}: {self.reference or self.description}"


class ReturnOrderHistory(models.Model):
    """One row per status change, receipt, outcome change, resolution and undo: who, when,
    from what to what."""

    class Kind(models.TextChoices):
        CREATED = "created", _("Created")
        STATUS = "status", _("Status changed")
        RECEIVED = "received", _("Items received")
        OUTCOME = "outcome", _("Outcome changed")
        RESOLVED = "resolved", _("Line resolved")
        REPAIR = "repair", _("Repair updated")
        UNDONE = "undone", _("Resolution undone")
        AUTHORIZED = "authorized", _("Authorized")
        DECLINED = "declined", _("Declined")
        RECEIPT_UNDONE = "receipt_undone", _("Receipt undone")

    order = models.ForeignKey(ReturnOrder, on_delete=models.CASCADE, related_name="history")
    kind = models.CharField(max_length=20, choices=Kind.choices)
    from_status = models.PositiveIntegerField(choices=ReturnOrderStatus.choices, null=True)
    to_status = models.PositiveIntegerField(choices=ReturnOrderStatus.choices, null=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    date = models.DateTimeField(default=timezone.now)
    note = models.TextField(blank=True)
    data = models.JSONField(default=dict, blank=True)

    class Meta:
        verbose_name = _("return order history")
        verbose_name_plural = _("return order history")
        ordering = ["-date", "-pk"]
        indexes = [models.Index(fields=["order", "-date"])]

    def __str__(self) -> str:
        return f"{self.order_id} {self.kind} {self.date:%Y-%m-%d %H:%M}"


class ReturnOrderLineResolution(models.Model):
    """What was done with one returned line (``returns.services.resolutions``).

    A line has at most one resolution that stands (``reversed_at`` empty); an undone one stays
    as history. ``stock_before`` and ``stock_after`` hold the stock rows the resolution
    changed, as they were before and after, so that undo can restore them exactly and refuse
    when something else has changed them since.
    """

    line = models.ForeignKey(
        ReturnOrderLineItem, on_delete=models.CASCADE, related_name="resolutions"
    )
    order = models.ForeignKey(ReturnOrder, on_delete=models.CASCADE, related_name="resolutions")
    kind = models.CharField(_("kind"), max_length=10, choices=ResolutionKind.choices)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(_("resolved at"), default=timezone.now)
    reversed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    reversed_at = models.DateTimeField(_("undone at"), null=True, blank=True)
    previous_outcome = models.PositiveIntegerField(choices=ReturnOrderLineStatus.choices)
    unit_status = models.PositiveIntegerField(
        _("unit status"),
        choices=StockStatus.choices,
        null=True,
        blank=True,
        help_text=_("Stock status for the returned unit (applied on receipt if not yet received)"),
    )
    disposition = models.CharField(
        _("disposition"), max_length=10, choices=RejectDisposition.choices, blank=True
    )
    reason = models.TextField(_("reason"), max_length=2000, blank=True)
    notes = models.CharField(_("notes"), max_length=500, blank=True)
    replacement_item = models.ForeignKey(
        "stock.StockItem",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        help_text=_("Stock item sent to the customer in place of the returned one"),
    )
    stock_before = models.JSONField(default=dict, blank=True, editable=False)
    stock_after = models.JSONField(default=dict, blank=True, editable=False)
    created_items = models.JSONField(default=list, blank=True, editable=False)
    tracking_entries = models.JSONField(default=list, blank=True, editable=False)

    class Meta:
        verbose_name = _("line resolution")
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["line"],
                condition=Q(reversed_at__isnull=True),
                name="one_standing_resolution_per_line",
            ),
            models.CheckConstraint(
                condition=Q(kind__in=ResolutionKind.values), name="resolution_kind_valid"
            ),
        ]
        indexes = [models.Index(fields=["order", "reversed_at"])]

    def __str__(self) -> str:
        return f"{self.line_id} {self.kind}"

    @property
    def standing(self) -> bool:
        return self.reversed_at is None


class ReturnOrderRepair(models.Model):
    resolution = models.OneToOneField(
        ReturnOrderLineResolution, on_delete=models.CASCADE, related_name="repair"
    )
    fault = models.TextField(_("fault found"), max_length=5000, blank=True)
    work_done = models.TextField(_("work done"), max_length=5000, blank=True)
    technician = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    labour_minutes = models.PositiveIntegerField(_("labour (minutes)"), default=0)
    cost = MoneyField(
        _("cost"), max_digits=19, decimal_places=6, null=True, blank=True, default_currency=None
    )
    under_warranty = models.BooleanField(_("under warranty"), default=False)
    started_at = models.DateTimeField(_("started"), default=timezone.now)
    finished_at = models.DateTimeField(_("finished"), null=True, blank=True)

    api_list_url = "/api/order/ro-repair/"

    class Meta:
        verbose_name = _("repair")
        ordering = ["-started_at", "-pk"]

    def __str__(self) -> str:
        return f"repair {self.pk} of line {self.resolution.line_id}"

    @property
    def finished(self) -> bool:
        return self.finished_at is not None


class ReturnOrderRepairPart(models.Model):
    """A part consumed by a repair: installed into the unit, so it leaves stock."""

    repair = models.ForeignKey(ReturnOrderRepair, on_delete=models.CASCADE, related_name="parts")
    # The consumed item (a split-off child of ``source_item`` for part of a bulk item).
    item = models.ForeignKey(
        "stock.StockItem", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    source_item = models.ForeignKey(
        "stock.StockItem", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    part = models.ForeignKey("stock.Part", on_delete=models.PROTECT, related_name="+")
    quantity = models.DecimalField(_("quantity"), max_digits=15, decimal_places=5)
    serial = models.CharField(_("serial number"), max_length=100, blank=True)
    location = models.ForeignKey(
        "stock.StockLocation", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        verbose_name = _("repair part")
        ordering = ["pk"]

    def __str__(self) -> str:
        return f"{self.quantity.normalize():f} x {self.part_id}"


class ReturnOrderRefund(models.Model):
    resolution = models.OneToOneField(
        ReturnOrderLineResolution, on_delete=models.CASCADE, related_name="refund"
    )
    amount = MoneyField(_("amount"), max_digits=19, decimal_places=6, default_currency=None)
    method = models.CharField(_("method"), max_length=100, blank=True)
    reference = models.CharField(
        _("reference"), max_length=100, blank=True, help_text=_("Credit note or payment reference")
    )
    date = models.DateField(_("date"), default=timezone.localdate)

    api_list_url = "/api/order/ro-refund/"

    class Meta:
        verbose_name = _("refund")
        ordering = ["-date", "-pk"]

    def __str__(self) -> str:
        return f"refund {self.amount} ({self.reference or self.pk})"


class ReturnOrderReceipt(models.Model):
    """One receipt of part (or all) of a line, split into dispositions.

    ``stock_record`` holds what the receipt did to the stock, so that undo restores it exactly
    and refuses when something else has changed it since.
    """

    # Neither key has an index of its own: the (order, -created_at) and (line, undone_at)
    # indexes lead with them and serve every query on either alone.
    order = models.ForeignKey(
        ReturnOrder, on_delete=models.CASCADE, related_name="receipts", db_index=False
    )
    line = models.ForeignKey(
        ReturnOrderLineItem, on_delete=models.CASCADE, related_name="receipts", db_index=False
    )
    quantity = models.DecimalField(_("quantity"), max_digits=15, decimal_places=5)
    notes = models.CharField(_("notes"), max_length=500, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(_("received at"), default=timezone.now)
    undone_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    undone_at = models.DateTimeField(_("undone at"), null=True, blank=True)
    # The condition the units of this receipt arrived in; the line takes it too.
    condition = models.ForeignKey(
        ReturnCondition,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("condition"),
    )
    # What undo needs, in one column so that InvenTree's receive writes a hundred receipts in
    # one insert: ``before`` and ``after`` (the stock rows the receipt changed, as they were
    # before and after it), ``created`` (the items it split off), ``tracking`` (the entries
    # it wrote), ``previous_item`` (the line's item before it) and ``previous_condition``
    # (the line's condition before it, when the receipt recorded one).
    stock_record = models.JSONField(default=dict, blank=True, editable=False)

    api_list_url = "/api/order/ro-receipt/"

    class Meta:
        verbose_name = _("receipt")
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.CheckConstraint(condition=Q(quantity__gt=0), name="receipt_quantity_gt_0"),
        ]
        indexes = [
            models.Index(fields=["order", "-created_at"]),
            models.Index(fields=["line", "undone_at"]),
        ]

    def __str__(self) -> str:
        return f"receipt {self.pk} of line {self.line_id}"

    @property
    def standing(self) -> bool:
        return self.undone_at is None


class ReturnOrderReceiptDisposition(models.Model):
    """Part of a receipt: good (restocked, OK), damaged (Damaged or Quarantined) or missing.

    ``stock_item`` is the item this part became (none for missing units).
    """

    receipt = models.ForeignKey(
        ReturnOrderReceipt, on_delete=models.CASCADE, related_name="dispositions"
    )
    kind = models.CharField(_("kind"), max_length=10, choices=DispositionKind.choices)
    quantity = models.DecimalField(_("quantity"), max_digits=15, decimal_places=5)
    location = models.ForeignKey(
        "stock.StockLocation", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    status = models.PositiveIntegerField(
        _("stock status"), choices=StockStatus.choices, null=True, blank=True
    )
    stock_item = models.ForeignKey(
        "stock.StockItem", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        verbose_name = _("receipt disposition")
        ordering = ["pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(kind__in=DispositionKind.values), name="disposition_kind_valid"
            ),
            models.CheckConstraint(condition=Q(quantity__gt=0), name="disposition_quantity_gt_0"),
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.quantity.normalize():f}"


class FeedState(models.Model):
    """When a return-order feed last changed in a way no order's ``updated_at`` shows.

    A deleted order leaves no row whose timestamp could move the calendar feed's
    Last-Modified forward, nor does renaming a customer or an owner; the services stamp this
    row instead (``returns.services.feed_state_touch``).
    """

    RETURN_ORDERS = "returnorder"

    name = models.CharField(max_length=50, unique=True)
    changed_at = models.DateTimeField()

    class Meta:
        verbose_name = _("feed state")

    def __str__(self) -> str:
        return f"{self.name} changed {self.changed_at:%Y-%m-%d %H:%M:%S}"


class ReturnOrderMessage(models.Model):
    """One message of the thread between the customer and staff on an order.

    Written by a staff user or by a customer's contact (in the customer portal), never both;
    its files are the order's attachments (``attachments``), so staff see them with the
    order's other files and the portal serves exactly these to the customer.
    """

    order = models.ForeignKey(ReturnOrder, on_delete=models.CASCADE, related_name="messages")
    body = models.TextField(_("message"), max_length=5000)
    from_customer = models.BooleanField(_("from the customer"), default=False)
    author_user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    author_contact = models.ForeignKey(
        "companies.Contact", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(_("sent"), default=timezone.now)
    attachments = models.ManyToManyField("common.Attachment", blank=True, related_name="+")

    class Meta:
        verbose_name = _("return order message")
        ordering = ["created_at", "pk"]
        indexes = [models.Index(fields=["order", "created_at"])]

    def __str__(self) -> str:
        side = "customer" if self.from_customer else "staff"
        return f"{self.order_id} {side} {self.created_at:%Y-%m-%d %H:%M}"

    @property
    def author_name(self) -> str:
        if self.from_customer:
            return self.author_contact.name if self.author_contact_id else ""
        if self.author_user_id:
            return self.author_user.get_full_name() or self.author_user.get_username()
        return ""
