from django.urls import path

from stock import views

urlpatterns = [
    path("", views.stock_list, name="stock-list"),
    path("assign/", views.stock_assign, name="stock-assign"),
]
