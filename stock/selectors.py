"""Reads for parts, locations and stock: querysets loaded for what they are shown with."""

from django.db.models import Count, QuerySet

from stock.models import Part, PartCategory, StockItem, StockItemTracking, StockLocation


def part_list() -> QuerySet[Part]:
    return Part.objects.select_related("category").annotate(stock_item_count=Count("stock_items"))


def category_list() -> QuerySet[PartCategory]:
    return PartCategory.objects.annotate(
        part_count=Count("parts", distinct=True), subcategories=Count("children", distinct=True)
    )


def category_choices() -> QuerySet[PartCategory]:
    """The category tree in path order, only what a choice list shows (one query)."""
    return PartCategory.objects.order_by("pathstring", "pk").only("pk", "name", "pathstring")


def location_list() -> QuerySet[StockLocation]:
    return StockLocation.objects.select_related("parent").annotate(
        items=Count("stock_items", distinct=True), sublocations=Count("children", distinct=True)
    )


def stock_item_list() -> QuerySet[StockItem]:
    return StockItem.objects.select_related("part", "location", "customer")


def tracking_list() -> QuerySet[StockItemTracking]:
    return StockItemTracking.objects.select_related("user")


def stock_assigned_to(customer_id: int) -> QuerySet[StockItem]:
    """Stock currently held by a customer: what a return order line may pick from."""
    return stock_item_list().filter(customer_id=customer_id)
