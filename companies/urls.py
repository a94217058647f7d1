from django.urls import path

from companies import views

urlpatterns = [
    path("", views.company_list, name="company-list"),
]
