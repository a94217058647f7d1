from django.urls import path

from returns import views

app_name = "returns"

urlpatterns = [
    path("", views.return_order_index, name="index"),
    path("pickers/<slug:name>/", views.return_order_picker, name="picker"),
    path("settings/", views.return_order_settings, name="settings"),
    path("settings/<slug:kind>/add/", views.choice_entry_add, name="choice-add"),
    path("settings/<slug:kind>/<int:entry_pk>/edit/", views.choice_entry_edit, name="choice-edit"),
    path(
        "settings/<slug:kind>/<int:entry_pk>/active/",
        views.choice_entry_set_active,
        name="choice-active",
    ),
    path(
        "settings/<slug:kind>/<int:entry_pk>/delete/",
        views.choice_entry_delete,
        name="choice-delete",
    ),
    path("new/", views.return_order_create, name="create"),
    path(
        "calendar-link/regenerate/",
        views.calendar_token_regenerate,
        name="calendar-token-regenerate",
    ),
    path("calendar-link/revoke/", views.calendar_token_revoke, name="calendar-token-revoke"),
    path("export/", views.return_order_export, name="export"),
    path("selected/", views.return_order_bulk, name="bulk"),
    path("calendar.ics", views.return_order_calendar_export, name="calendar-export"),
    path("go/", views.return_order_goto, name="goto"),
    path("<int:pk>/", views.return_order_detail, name="detail"),
    path("<int:pk>/edit/", views.return_order_edit, name="edit"),
    path("<int:pk>/delete/", views.return_order_delete, name="delete"),
    path("<int:pk>/receive/", views.return_order_receive, name="receive"),
    path("<int:pk>/authorize/", views.return_order_authorize, name="authorize"),
    path("<int:pk>/decline/", views.return_order_decline, name="decline"),
    path(
        "<int:pk>/receive/<int:line_pk>/split/",
        views.line_receive_split,
        name="receive-split",
    ),
    path("<int:pk>/receipts/<int:receipt_pk>/undo/", views.receipt_undo, name="receipt-undo"),
    path("<int:pk>/print/", views.return_order_print, name="print"),
    path("<int:pk>/notes/", views.notes_save, name="notes"),
    path("<int:pk>/lines/add/", views.line_add, name="line-add"),
    path("<int:pk>/lines/scan/", views.line_scan, name="line-scan"),
    path("<int:pk>/lines/outcome/", views.lines_set_outcome, name="lines-outcome"),
    path("<int:pk>/lines/remove/", views.lines_remove, name="lines-remove"),
    path("<int:pk>/lines/receive/", views.lines_receive, name="lines-receive"),
    path("<int:pk>/lines/<int:line_pk>/edit/", views.line_edit, name="line-edit"),
    path("<int:pk>/lines/<int:line_pk>/delete/", views.line_delete, name="line-delete"),
    path(
        "<int:pk>/lines/<int:line_pk>/resolve/<str:kind>/",
        views.line_resolve,
        name="line-resolve",
    ),
    path("<int:pk>/lines/<int:line_pk>/undo/", views.line_resolution_undo, name="line-undo"),
    path("<int:pk>/lines/<int:line_pk>/repair/", views.repair_edit, name="repair-edit"),
    path("<int:pk>/extra/add/", views.extra_add, name="extra-add"),
    path("<int:pk>/extra/<int:extra_pk>/edit/", views.extra_edit, name="extra-edit"),
    path("<int:pk>/extra/<int:extra_pk>/delete/", views.extra_delete, name="extra-delete"),
    path("<int:pk>/attachments/", views.attachment_add, name="attachment-add"),
    path("<int:pk>/messages/", views.message_add, name="message-add"),
    path(
        "<int:pk>/attachments/<int:attachment_pk>/delete/",
        views.attachment_delete,
        name="attachment-delete",
    ),
    path(
        "<int:pk>/<str:action>/confirm/",
        views.return_order_transition_confirm,
        name="transition-confirm",
    ),
    path("<int:pk>/<str:action>/", views.return_order_transition, name="transition"),
]
