from django.urls import path

from reports import api

urlpatterns = [
    path("template/", api.ReportTemplateList.as_view(), name="api-report-template-list"),
    path(
        "template/<int:pk>/", api.ReportTemplateDetail.as_view(), name="api-report-template-detail"
    ),
    path("print/", api.ReportPrint.as_view(), name="api-report-print"),
]
