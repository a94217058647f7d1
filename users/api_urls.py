from django.urls import path

from users import api

urlpatterns = [
    path("me/", api.MeView.as_view(), name="api-user-me"),
    path("me/token/", api.TokenView.as_view(), name="api-user-me-token"),
    path("token/", api.TokenView.as_view(), name="api-token"),
    path("tokens/", api.TokenListView.as_view(), name="api-token-list"),
    path("tokens/<int:pk>/", api.TokenRevokeView.as_view(), name="api-token-revoke"),
    path("group/", api.GroupList.as_view(), name="api-group-list"),
    path("group/<int:pk>/", api.GroupDetail.as_view(), name="api-group-detail"),
    path("owner/", api.OwnerList.as_view(), name="api-owner-list"),
    path("owner/<int:pk>/", api.OwnerDetail.as_view(), name="api-owner-detail"),
    path("", api.UserList.as_view(), name="api-user-list"),
    path("<int:pk>/", api.UserDetail.as_view(), name="api-user-detail"),
]
