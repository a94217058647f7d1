from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path, re_path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from common import api as common_api
from config import views
from jobs import api as job_api
from reports import api as report_api
from returns.api_urls import project_code_urlpatterns
from stock.api_urls import part_urlpatterns, stock_urlpatterns
from webhooks.api_urls import delivery_urlpatterns, subscription_urlpatterns

api_urlpatterns = [
    path("", common_api.ApiRootView.as_view(), name="api-root"),
    path("user/", include("users.api_urls")),
    path("company/", include("companies.api_urls")),
    path("part/", include(part_urlpatterns)),
    path("stock/", include(stock_urlpatterns)),
    path("attachment/", common_api.AttachmentList.as_view(), name="api-attachment-list"),
    path(
        "attachment/<int:pk>/", common_api.AttachmentDetail.as_view(), name="api-attachment-detail"
    ),
    path(
        "metadata/<str:model_type>/<int:pk>/",
        common_api.MetadataView.as_view(),
        name="api-metadata",
    ),
    path("job/", include("jobs.api_urls")),
    path("order/", include("returns.api_urls")),
    path("project-code/", include(project_code_urlpatterns)),
    path("report/", include("reports.api_urls")),
    path("settings/global/", common_api.SiteSettingList.as_view(), name="api-global-setting-list"),
    path(
        "settings/global/<str:key>/",
        common_api.SiteSettingDetail.as_view(),
        name="api-global-setting-detail",
    ),
    path("webhook/", include(subscription_urlpatterns)),
    path("webhook-delivery/", include(delivery_urlpatterns)),
    path("schema/", SpectacularAPIView.as_view(), name="api-schema"),
    # The split view serves Swagger UI's start-up script from its own URL (?script), so the
    # page needs no inline script under the Content-Security-Policy.
    path(
        "docs/",
        SpectacularSwaggerSplitView.as_view(url_name="api-schema", template_name="api_docs.html"),
        name="api-docs",
    ),
    re_path(r"^.*$", common_api.NotFoundView.as_view(), name="api-not-found"),
]

urlpatterns = [
    path("", views.home, name="home"),
    path("accounts/login/", auth_views.LoginView.as_view(), name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("admin/", admin.site.urls),
    path("returns/", include("returns.urls")),
    path("companies/", include("companies.urls")),
    path("companies/<int:pk>/", views.company_detail, name="company-detail"),
    path("companies/<int:pk>/portal/", include("portal.staff_urls")),
    path("portal/", include("portal.urls")),
    path("stock/", include("stock.urls")),
    path("stock/<int:pk>/", views.stock_item_detail, name="stock-item-detail"),
    path("settings/webhooks/", include("webhooks.urls")),
    path("settings/portal/", include("portal.settings_urls")),
    path("settings/import/", include("importer.urls")),
    path("jobs/", include("jobs.urls")),
    path("api/", include(api_urlpatterns)),
    path(
        "media/attachments/<path:path>",
        common_api.AttachmentDownload.as_view(),
        name="attachment-download",
    ),
    path(
        "media/images/<str:model_type>/<path:path>",
        common_api.ImageDownload.as_view(),
        name="image-download",
    ),
    path(
        "media/report/template/<int:pk>/<str:filename>",
        report_api.ReportTemplateDownload.as_view(),
        name="report-template-download",
    ),
    path(
        "media/report/<int:pk>/<str:filename>",
        report_api.ReportOutputDownload.as_view(),
        name="report-output-download",
    ),
    path(
        "media/job/<int:pk>/<str:filename>",
        job_api.JobResultDownload.as_view(),
        name="job-result-download",
    ),
]

handler404 = "common.views.page_not_found"
handler500 = "common.views.server_error"
