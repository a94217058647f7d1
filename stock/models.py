"""Parts, the stock location tree, stock items and their tracking history."""

import re
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from stock.statuses import AVAILABLE_CODES, StockHistoryCode, StockStatus

PATH_SEPARATOR = "/"
SERIAL_INT_MAX = 0x7FFFFFFF
# A century: longer periods are typing mistakes, and dates stop at the year 9999.
WARRANTY_MONTHS_MAX = 1200


def extract_int(text: str | None) -> int:
    """Leading digits, else trailing digits, else 0; clipped to a 32-bit signed range."""
    if not text:
        return 0
    match = re.match(r"^\s*(\d+)", text) or re.search(r"(\d+)\s*$", text)
    if not match:
        return 0
    return min(int(match.group(1)), SERIAL_INT_MAX)


class TreeNode(models.Model):
    """A node of a named tree found by its path, as InvenTree's part categories and stock
    locations are: sibling names are unique (so a path names one node), a name holds no
    separator, a node is never inside itself, and a structural node holds no contents, only
    children. ``pathstring`` is kept by ``stock.services._tree_save``.

    A subclass names its contents (``contents``, the reverse relation that a structural node
    may not have) and its own words for the messages."""

    name = models.CharField(_("name"), max_length=100)
    description = models.CharField(_("description"), max_length=250, blank=True)
    parent = models.ForeignKey(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="children"
    )
    pathstring = models.CharField(
        _("path"), max_length=500, blank=True, editable=False, db_index=True
    )
    structural = models.BooleanField(_("structural"), default=False)
    metadata = models.JSONField(blank=True, null=True)

    contents: str
    messages: dict[str, str]

    class Meta:
        abstract = True
        ordering = ["pathstring", "pk"]

    def __str__(self) -> str:
        return self.pathstring or self.name

    @property
    def level(self) -> int:
        return self.pathstring.count(PATH_SEPARATOR)

    def build_path(self) -> str:
        parent_path = self.parent.pathstring if self.parent_id else ""
        return f"{parent_path}{PATH_SEPARATOR}{self.name}" if parent_path else self.name

    def clean(self):
        if PATH_SEPARATOR in (self.name or ""):
            raise ValidationError({"name": self.messages["separator"]})
        # Unique sibling names make a path name one node; the cascade filters match on it.
        siblings = type(self).objects.filter(parent=self.parent_id, name__iexact=self.name)
        if siblings.exclude(pk=self.pk).exists():
            raise ValidationError({"name": _("Duplicate names cannot exist under the same parent")})
        if self.structural and self.pk is not None and getattr(self, self.contents).exists():
            raise ValidationError({"structural": self.messages["structural"]})
        ancestor = self.parent
        while ancestor is not None and self.pk is not None:
            if ancestor.pk == self.pk:
                raise ValidationError({"parent": self.messages["inside_itself"]})
            ancestor = ancestor.parent


class PartCategory(TreeNode):
    """InvenTree's part category tree: a part is filed in one category, found by its path."""

    structural = models.BooleanField(
        _("structural"),
        default=False,
        help_text=_(
            "Parts may not be directly assigned to a structural category, "
            "but may be assigned to child categories."
        ),
    )
    default_location = models.ForeignKey(
        "StockLocation",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="default_categories",
        help_text=_("Default location for parts in this category"),
    )
    default_keywords = models.CharField(
        _("default keywords"),
        max_length=250,
        blank=True,
        default="",
        help_text=_("Default keywords for parts in this category"),
    )
    icon = models.CharField(_("icon"), max_length=100, blank=True, default="")

    api_list_url = "/api/part/category/"
    contents = "parts"
    messages = {
        "separator": _("A category name cannot contain '/'."),
        "structural": _(
            "You cannot make this part category structural because some parts "
            "are already assigned to it!"
        ),
        "inside_itself": _("A category cannot be placed inside itself."),
    }

    class Meta(TreeNode.Meta):
        verbose_name = _("part category")
        verbose_name_plural = _("part categories")


def part_image_path(instance, filename: str) -> str:
    return f"images/part/{filename}"


class Part(models.Model):
    name = models.CharField(_("name"), max_length=100, help_text=_("Part name"))
    IPN = models.CharField(
        _("IPN"), max_length=100, blank=True, default="", help_text=_("Internal Part Number")
    )
    description = models.CharField(
        _("description"), max_length=250, blank=True, help_text=_("Part description (optional)")
    )
    revision = models.CharField(
        _("revision"),
        max_length=100,
        blank=True,
        default="",
        help_text=_("Part revision or version number"),
    )
    category = models.ForeignKey(
        PartCategory,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="parts",
        verbose_name=_("category"),
        help_text=_("Part category"),
    )
    image = models.ImageField(_("image"), upload_to=part_image_path, blank=True, null=True)
    active = models.BooleanField(_("active"), default=True, help_text=_("Is this part active?"))
    virtual = models.BooleanField(
        _("virtual"),
        default=False,
        help_text=_("Is this a virtual part, such as a software product or license?"),
    )
    purchaseable = models.BooleanField(
        _("purchaseable"),
        default=True,
        help_text=_("Can this part be purchased from external suppliers?"),
    )
    component = models.BooleanField(
        _("component"), default=False, help_text=_("Can this part be used to build other parts?")
    )
    assembly = models.BooleanField(
        _("assembly"), default=False, help_text=_("Can this part be built from other parts?")
    )
    trackable = models.BooleanField(
        _("trackable"), default=False, help_text=_("Does this part have tracking for unique items?")
    )
    salable = models.BooleanField(
        _("salable"), default=False, help_text=_("Can this part be sold to customers?")
    )
    units = models.CharField(_("units"), max_length=20, blank=True, help_text=_("Units of measure"))
    warranty_months = models.PositiveIntegerField(
        _("warranty (months)"),
        null=True,
        blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(WARRANTY_MONTHS_MAX)],
        help_text=_("Warranty period in months from delivery to the customer (blank when unknown)"),
    )
    substitutes = models.ManyToManyField(
        "self",
        symmetrical=False,
        blank=True,
        related_name="substitute_for",
        help_text=_("Parts that may be sent in place of this one (as a replacement)"),
    )
    notes = models.TextField(_("notes"), max_length=50000, blank=True, null=True)
    metadata = models.JSONField(blank=True, null=True)

    api_list_url = "/api/part/"

    class Meta:
        verbose_name = _("part")
        ordering = ["name", "pk"]
        indexes = [models.Index(fields=["IPN"])]

    def __str__(self) -> str:
        return self.full_name

    def clean(self):
        if self.category_id and self.category.structural:
            raise ValidationError(
                {"category": _("Parts cannot be assigned to structural part categories!")}
            )

    @property
    def full_name(self) -> str:
        return f"{self.IPN} | {self.name}" if self.IPN else self.name


class StockLocation(TreeNode):
    structural = models.BooleanField(
        _("structural"),
        default=False,
        help_text=_(
            "Stock items may not be directly located into a structural location, "
            "but may be located into its child locations."
        ),
    )

    api_list_url = "/api/stock/location/"
    contents = "stock_items"
    messages = {
        "separator": _("A location name cannot contain '/'."),
        "structural": _(
            "You cannot make this stock location structural because some stock "
            "items are already located into it!"
        ),
        "inside_itself": _("A location cannot be placed inside itself."),
    }

    class Meta(TreeNode.Meta):
        verbose_name = _("stock location")


class StockItemQuerySet(models.QuerySet):
    def in_stock(self) -> "StockItemQuerySet":
        return self.filter(IN_STOCK_FILTER)


def stock_item_in_stock(*, quantity, customer_id, belongs_to_id, status) -> bool:
    """``StockItem.in_stock`` from the columns alone (``IN_STOCK_FILTER``'s rule in Python)."""
    return (
        quantity > 0 and customer_id is None and belongs_to_id is None and status in AVAILABLE_CODES
    )


IN_STOCK_FILTER = Q(
    quantity__gt=0, customer__isnull=True, belongs_to__isnull=True, status__in=AVAILABLE_CODES
)


class StockItem(models.Model):
    # No index of its own: the (part, serial_int) index leads with it and serves every query
    # on it alone, and every index more is one more entry to write as stock moves.
    part = models.ForeignKey(
        Part, on_delete=models.CASCADE, related_name="stock_items", db_index=False
    )
    quantity = models.DecimalField(
        _("quantity"),
        max_digits=15,
        decimal_places=5,
        default=Decimal(1),
        validators=[MinValueValidator(Decimal(0))],
    )
    serial = models.CharField(_("serial number"), max_length=100, blank=True, null=True)
    serial_int = models.IntegerField(default=0, editable=False)
    batch = models.CharField(_("batch code"), max_length=100, blank=True, default="")
    location = models.ForeignKey(
        StockLocation,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="stock_items",
    )
    status = models.PositiveIntegerField(
        _("status"), choices=StockStatus.choices, default=StockStatus.OK
    )
    # No index of its own: the (customer, part) index leads with it.
    customer = models.ForeignKey(
        "companies.Company",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="assigned_stock",
        limit_choices_to={"is_customer": True},
        help_text=_("Customer"),
        db_index=False,
    )
    parent = models.ForeignKey(
        "self", on_delete=models.SET_NULL, null=True, blank=True, related_name="children"
    )
    belongs_to = models.ForeignKey(
        "self",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="installed_parts",
        help_text=_("Is this item installed in another item?"),
    )
    notes = models.TextField(_("notes"), max_length=50000, blank=True, null=True)
    link = models.URLField(_("link"), max_length=2000, blank=True)
    updated = models.DateTimeField(_("updated"), auto_now=True)
    metadata = models.JSONField(blank=True, null=True)

    objects = StockItemQuerySet.as_manager()

    api_list_url = "/api/stock/"

    class Meta:
        verbose_name = _("stock item")
        ordering = ["part__name", "serial_int", "serial", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["part", "serial"],
                condition=Q(serial__isnull=False) & ~Q(serial=""),
                name="unique_serial_per_part",
            ),
            models.CheckConstraint(
                condition=Q(serial__isnull=True) | Q(serial="") | Q(quantity__lte=1),
                name="serialized_quantity_at_most_one",
            ),
            models.CheckConstraint(
                condition=Q(status__in=StockStatus.values), name="stockitem_status_valid"
            ),
        ]
        indexes = [
            models.Index(fields=["customer", "part"]),
            models.Index(fields=["part", "serial_int"]),
        ]

    def __str__(self) -> str:
        if self.serialized:
            return f"{self.part.full_name} # {self.serial}"
        return f"{self.quantity.normalize():f} x {self.part.full_name}"

    def save(self, *args, **kwargs):
        self.serial = (self.serial or "").strip() or None
        self.serial_int = extract_int(self.serial)
        super().save(*args, **kwargs)

    @property
    def serialized(self) -> bool:
        return bool(self.serial) and self.quantity == 1

    @property
    def in_stock(self) -> bool:
        return stock_item_in_stock(
            quantity=self.quantity,
            customer_id=self.customer_id,
            belongs_to_id=self.belongs_to_id,
            status=self.status,
        )

    def clean(self):
        errors = {}
        if self.location_id and self.location.structural:
            errors["location"] = _("Stock items cannot be located into structural stock locations!")
        if self.serial and self.quantity != 1:
            errors["quantity"] = _("Quantity must be 1 for item with a serial number")
        if self.part_id and self.part.trackable and self.quantity != int(self.quantity):
            errors["quantity"] = _("Quantity must be an integer for a trackable part")
        if errors:
            raise ValidationError(errors)


class StockItemTracking(models.Model):
    # No index of its own: the (item, -date) index leads with it and serves every query on it
    # alone, and receiving writes one entry per line.
    item = models.ForeignKey(
        StockItem, on_delete=models.CASCADE, related_name="tracking_info", db_index=False
    )
    date = models.DateTimeField(default=timezone.now)
    tracking_type = models.PositiveIntegerField(choices=StockHistoryCode.choices)
    notes = models.CharField(max_length=512, blank=True, null=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    deltas = models.JSONField(default=dict, blank=True)
    # Set when the change this entry records was undone; the entry stays as history.
    reversed = models.BooleanField(_("reversed"), default=False)

    class Meta:
        verbose_name = _("stock item tracking")
        ordering = ["-date", "-pk"]
        indexes = [models.Index(fields=["item", "-date"])]

    def __str__(self) -> str:
        return f"{self.item_id}: {self.get_tracking_type_display()}"

    @property
    def label(self) -> str:
        return self.get_tracking_type_display()
