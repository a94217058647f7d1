from django.contrib.auth.models import Group, User
from django.db.models import Prefetch
from django_filters import rest_framework as df
from drf_spectacular.utils import extend_schema
from rest_framework import generics, permissions, status
from rest_framework.response import Response
from rest_framework.settings import api_settings
from rest_framework.views import APIView

from users import services
from users.models import ApiToken, Owner, RuleSet
from users.serializers import (
    ApiTokenSerializer,
    GroupSerializer,
    IssuedTokenSerializer,
    MeSerializer,
    OwnerSerializer,
    TokenRequestSerializer,
    UserSerializer,
)


class MeView(generics.RetrieveAPIView):
    """``GET /api/user/me/``: the authenticated user (the inventree client's credential check)."""

    serializer_class = MeSerializer
    permission_classes = [permissions.IsAuthenticated]

    def get_object(self):
        return User.objects.prefetch_related("groups").get(pk=self.request.user.pk)


class TokenView(APIView):
    """``GET /api/user/token/?name=`` (also ``user/me/token/``): a new named API token.

    Only a hash is stored, so each call issues a fresh key; older keys stay valid until they
    expire or are revoked.
    """

    permission_classes = [permissions.IsAuthenticated]

    @extend_schema(parameters=[TokenRequestSerializer], responses=IssuedTokenSerializer)
    def get(self, request, *args, **kwargs):
        params = TokenRequestSerializer(data=request.query_params)
        params.is_valid(raise_exception=True)
        token, key = services.api_token_create(
            user=request.user, name=params.validated_data["name"]
        )
        return Response({"token": key, "name": token.name, "expiry": token.expiry})


class TokenListView(generics.ListAPIView):
    """``GET /api/user/tokens/``: the caller's own tokens (never their keys)."""

    serializer_class = ApiTokenSerializer
    permission_classes = [permissions.IsAuthenticated]

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):  # schema generation has no user
            return ApiToken.objects.none()
        return ApiToken.objects.filter(user=self.request.user)


class TokenRevokeView(APIView):
    permission_classes = [permissions.IsAuthenticated]

    @extend_schema(responses={204: None})
    def delete(self, request, pk):
        token = generics.get_object_or_404(ApiToken, pk=pk, user=request.user)
        services.api_token_revoke(token=token)
        return Response(status=status.HTTP_204_NO_CONTENT)


class UserFilter(df.FilterSet):
    class Meta:
        model = User
        fields = ["is_active", "is_staff", "is_superuser", "groups"]


class UserMixin:
    queryset = User.objects.prefetch_related("groups").order_by("username")
    serializer_class = UserSerializer
    read_requires_role = False


class UserList(UserMixin, generics.ListCreateAPIView):
    filterset_class = UserFilter
    search_fields = ["username", "first_name", "last_name", "email"]
    ordering_fields = ["username", "first_name", "last_name", "email", "is_active", "date_joined"]


class SuperuserAccountPermission(permissions.BasePermission):
    """Only a superuser may change or delete a superuser's account, so the admin role cannot
    take one over (by setting its password, say)."""

    message = "Only a superuser may change or delete a superuser."

    def has_object_permission(self, request, view, obj) -> bool:
        return (
            request.method in permissions.SAFE_METHODS
            or not obj.is_superuser
            or request.user.is_superuser
        )


class UserDetail(UserMixin, generics.RetrieveUpdateDestroyAPIView):
    permission_classes = [*api_settings.DEFAULT_PERMISSION_CLASSES, SuperuserAccountPermission]


class GroupMixin:
    queryset = Group.objects.prefetch_related(
        Prefetch("rule_sets", queryset=RuleSet.objects.order_by("name"))
    ).order_by("name")
    serializer_class = GroupSerializer
    read_requires_role = False


class GroupList(GroupMixin, generics.ListCreateAPIView):
    search_fields = ["name"]
    ordering_fields = ["name"]


class GroupDetail(GroupMixin, generics.RetrieveUpdateDestroyAPIView):
    pass


class OwnerFilter(df.FilterSet):
    label = df.ChoiceFilter(choices=[("user", "user"), ("group", "group")], method="filter_label")

    class Meta:
        model = Owner
        fields = ["owner_id"]

    def filter_label(self, queryset, name, value):
        return queryset.filter(owner_type__model=value)


class OwnerMixin:
    queryset = Owner.objects.select_related("owner_type")
    serializer_class = OwnerSerializer
    read_requires_role = False


class OwnerList(OwnerMixin, generics.ListAPIView):
    filterset_class = OwnerFilter
    search_fields = ["name"]
    ordering_fields = ["name"]


class OwnerDetail(OwnerMixin, generics.RetrieveAPIView):
    pass
