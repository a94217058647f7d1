from django.urls import path

from common.api import MetadataView
from stock import api
from stock.models import Part, PartCategory, StockItem, StockLocation

part_urlpatterns = [
    path("category/", api.CategoryList.as_view(), name="api-part-category-list"),
    path("category/<int:pk>/", api.CategoryDetail.as_view(), name="api-part-category-detail"),
    path(
        "category/<int:pk>/metadata/",
        MetadataView.as_view(model=PartCategory),
        name="api-part-category-metadata",
    ),
    path("", api.PartList.as_view(), name="api-part-list"),
    path("<int:pk>/", api.PartDetail.as_view(), name="api-part-detail"),
    path("<int:pk>/metadata/", MetadataView.as_view(model=Part), name="api-part-metadata"),
]

stock_urlpatterns = [
    path("location/", api.LocationList.as_view(), name="api-location-list"),
    path("location/<int:pk>/", api.LocationDetail.as_view(), name="api-location-detail"),
    path(
        "location/<int:pk>/metadata/",
        MetadataView.as_view(model=StockLocation),
        name="api-location-metadata",
    ),
    path("assign/", api.StockAssign.as_view(), name="api-stock-assign"),
    path("count/", api.StockCount.as_view(), name="api-stock-count"),
    path("add/", api.StockAdd.as_view(), name="api-stock-add"),
    path("remove/", api.StockRemove.as_view(), name="api-stock-remove"),
    path("transfer/", api.StockTransfer.as_view(), name="api-stock-transfer"),
    path("track/", api.TrackingList.as_view(), name="api-stock-tracking-list"),
    path("track/<int:pk>/", api.TrackingDetail.as_view(), name="api-stock-tracking-detail"),
    path("status/", api.StockStatusView.as_view(), name="api-stock-status-codes"),
    path("", api.StockList.as_view(), name="api-stock-list"),
    path("<int:pk>/", api.StockDetail.as_view(), name="api-stock-detail"),
    path("<int:pk>/metadata/", MetadataView.as_view(model=StockItem), name="api-stock-metadata"),
]
