from django.urls import path, re_path

from portal import views

app_name = "portal"

urlpatterns = [
    path("", views.orders, name="orders"),
    path("sign-in/", views.sign_in, name="sign-in"),
    path("sign-in/sent/", views.sign_in_sent, name="sign-in-sent"),
    path("sign-in/<str:token>/", views.link, name="link"),
    path("sign-out/", views.sign_out, name="sign-out"),
    path("returns/<int:pk>/", views.order_detail, name="order"),
    path("returns/<int:pk>/document/", views.order_document, name="order-document"),
    path("returns/<int:pk>/messages/", views.message, name="message"),
    path("returns/<int:pk>/files/<int:attachment_pk>/", views.file, name="file"),
    path("request/", views.request_return, name="request"),
    path("items/", views.items, name="items"),
    # Anything else under /portal/ is the portal's own "not found", not the staff one.
    re_path(r"^.*$", views.not_found, name="not-found"),
]
