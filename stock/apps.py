from django.apps import AppConfig


class StockConfig(AppConfig):
    name = "stock"
    verbose_name = "Stock"

    def ready(self) -> None:
        from common import model_types
        from stock.models import Part, PartCategory, StockItem, StockLocation

        model_types.register(Part)
        model_types.register(PartCategory)
        model_types.register(StockLocation)
        model_types.register(StockItem)
