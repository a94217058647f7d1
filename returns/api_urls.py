from django.urls import include, path

from common.api import MetadataView
from returns import api
from returns.calendar_views import ReturnOrderCalendarFeed
from returns.models import ReturnOrder, ReturnOrderExtraLine, ReturnOrderLineItem

order_urlpatterns = [
    path("status/", api.ReturnOrderStatusView.as_view(), name="api-return-order-status-codes"),
    path("<int:pk>/issue/", api.ReturnOrderIssue.as_view(), name="api-return-order-issue"),
    path("<int:pk>/hold/", api.ReturnOrderHold.as_view(), name="api-ro-hold"),
    path("<int:pk>/cancel/", api.ReturnOrderCancel.as_view(), name="api-return-order-cancel"),
    path("<int:pk>/complete/", api.ReturnOrderComplete.as_view(), name="api-return-order-complete"),
    path(
        "<int:pk>/authorize/", api.ReturnOrderAuthorize.as_view(), name="api-return-order-authorize"
    ),
    path("<int:pk>/decline/", api.ReturnOrderDecline.as_view(), name="api-return-order-decline"),
    path("<int:pk>/receive/", api.ReturnOrderReceive.as_view(), name="api-return-order-receive"),
    path(
        "<int:pk>/history/",
        api.ReturnOrderHistoryList.as_view(),
        name="api-return-order-history",
    ),
    path(
        "<int:pk>/metadata/",
        MetadataView.as_view(model=ReturnOrder),
        name="api-return-order-metadata",
    ),
    path("<int:pk>/", api.ReturnOrderDetail.as_view(), name="api-return-order-detail"),
    path("", api.ReturnOrderList.as_view(), name="api-return-order-list"),
]

# ``ro-line/<pk>/resolve/<kind>/``: one endpoint per outcome, and one to undo it.
resolve_urlpatterns = [
    path("return/", api.LineResolveReturn.as_view(), name="api-return-order-line-resolve-return"),
    path("repair/", api.LineResolveRepair.as_view(), name="api-return-order-line-resolve-repair"),
    path(
        "replace/", api.LineResolveReplace.as_view(), name="api-return-order-line-resolve-replace"
    ),
    path("refund/", api.LineResolveRefund.as_view(), name="api-return-order-line-resolve-refund"),
    path("reject/", api.LineResolveReject.as_view(), name="api-return-order-line-resolve-reject"),
    path("undo/", api.LineResolutionUndo.as_view(), name="api-return-order-line-resolve-undo"),
]

line_urlpatterns = [
    path(
        "status/",
        api.ReturnOrderLineStatusView.as_view(),
        name="api-return-order-line-status-codes",
    ),
    path(
        "<int:pk>/metadata/",
        MetadataView.as_view(model=ReturnOrderLineItem),
        name="api-return-order-line-metadata",
    ),
    path("<int:pk>/resolve/", include(resolve_urlpatterns)),
    path("<int:pk>/", api.ReturnOrderLineDetail.as_view(), name="api-return-order-line-detail"),
    path("", api.ReturnOrderLineList.as_view(), name="api-return-order-line-list"),
]

repair_urlpatterns = [
    path("<int:pk>/", api.RepairDetail.as_view(), name="api-return-order-repair-detail"),
    path("", api.RepairList.as_view(), name="api-return-order-repair-list"),
]

receipt_urlpatterns = [
    path("<int:pk>/undo/", api.ReceiptUndo.as_view(), name="api-return-order-receipt-undo"),
    path("<int:pk>/", api.ReceiptDetail.as_view(), name="api-return-order-receipt-detail"),
    path("", api.ReceiptList.as_view(), name="api-return-order-receipt-list"),
]

refund_urlpatterns = [
    path("<int:pk>/", api.RefundDetail.as_view(), name="api-return-order-refund-detail"),
    path("", api.RefundList.as_view(), name="api-return-order-refund-list"),
]

extra_line_urlpatterns = [
    path(
        "<int:pk>/metadata/",
        MetadataView.as_view(model=ReturnOrderExtraLine),
        name="api-return-order-extra-line-metadata",
    ),
    path(
        "<int:pk>/",
        api.ReturnOrderExtraLineDetail.as_view(),
        name="api-return-order-extra-line-detail",
    ),
    path("", api.ReturnOrderExtraLineList.as_view(), name="api-return-order-extra-line-list"),
]

reason_urlpatterns = [
    path("<int:pk>/", api.ReturnReasonDetail.as_view(), name="api-return-order-reason-detail"),
    path("", api.ReturnReasonList.as_view(), name="api-return-order-reason-list"),
]

condition_urlpatterns = [
    path(
        "<int:pk>/",
        api.ReturnConditionDetail.as_view(),
        name="api-return-order-condition-detail",
    ),
    path("", api.ReturnConditionList.as_view(), name="api-return-order-condition-list"),
]

urlpatterns = [
    path(
        "calendar/return-order/calendar.ics",
        ReturnOrderCalendarFeed.as_view(),
        name="api-return-order-calendar",
    ),
    path("ro/", include(order_urlpatterns)),
    path("ro-line/", include(line_urlpatterns)),
    path("ro-extra-line/", include(extra_line_urlpatterns)),
    path("ro-repair/", include(repair_urlpatterns)),
    path("ro-refund/", include(refund_urlpatterns)),
    path("ro-reason/", include(reason_urlpatterns)),
    path("ro-condition/", include(condition_urlpatterns)),
    path("ro-receipt/", include(receipt_urlpatterns)),
]

project_code_urlpatterns = [
    path("", api.ProjectCodeList.as_view(), name="api-project-code-list"),
    path("<int:pk>/", api.ProjectCodeDetail.as_view(), name="api-project-code-detail"),
]
