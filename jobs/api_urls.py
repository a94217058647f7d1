from django.urls import path

from jobs import api

urlpatterns = [
    path("", api.JobList.as_view(), name="api-job-list"),
    path("<int:pk>/", api.JobDetail.as_view(), name="api-job-detail"),
]
