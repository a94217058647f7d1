"""The staff settings page that imports from InvenTree: ``/settings/import/``."""

from django.urls import path

from importer import views

app_name = "importer"

urlpatterns = [
    path("", views.import_page, name="import"),
    path("<int:pk>/skipped.csv", views.skipped_rows_download, name="skipped-csv"),
]
