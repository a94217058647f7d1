"""The product's URLs, plus the reference views under ``/bench/``."""

from django.urls import include, path

from bench.suite import views

urlpatterns = [
    path("bench/floor/list/", views.list_floor, name="bench-floor-list"),
    path("bench/floor/feed/", views.feed_floor, name="bench-floor-feed"),
    path("bench/ceiling/", views.ceiling, name="bench-ceiling"),
    path("", include("config.urls")),
]
