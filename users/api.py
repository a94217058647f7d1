from django.contrib.auth import update_session_auth_hash
from django.contrib.auth.models import Group, User
from django.db.models import Prefetch
from django_filters import rest_framework as df
from drf_spectacular.utils import extend_schema
from rest_framework import exceptions, generics, permissions, status
from rest_framework.authentication import SessionAuthentication
from rest_framework.response import Response
from rest_framework.settings import api_settings
from rest_framework.views import APIView

from common.filters import FilterSet
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


class UserFilter(FilterSet):
    class Meta:
        model = User
        fields = ["is_active", "is_staff", "is_superuser", "groups"]


class PublicUserFilter(FilterSet):
    """No filters on what such a reader may not see: they would tell it anyway."""

    class Meta:
        model = User
        fields = []


PUBLIC_USER_LOOKUPS = ["username", "first_name", "last_name"]


def _refused(exc: services.AccountChangeRefused) -> exceptions.PermissionDenied:
    return exceptions.PermissionDenied(str(exc))


class UserMixin:
    queryset = User.objects.prefetch_related("groups").order_by("username")
    serializer_class = UserSerializer
    read_requires_role = False

    def account_details_visible(self) -> bool:
        """Whether the caller sees e-mail, flags, groups and dates of other accounts.

        The schema (generated without a caller) documents the full view.
        """
        if getattr(self, "swagger_fake_view", False):
            return True
        cached = getattr(self, "_account_details_visible", None)
        if cached is None:
            cached = services.account_details_visible_to(viewer=self.request.user)
            self._account_details_visible = cached
        return cached

    def get_serializer_context(self):
        context = super().get_serializer_context()
        if getattr(self, "request", None) is not None and self.request.user.is_authenticated:
            context["account_details_visible"] = self.account_details_visible()
        return context


class UserList(UserMixin, generics.ListCreateAPIView):
    """``GET /api/user/``: every account; ``POST``: a new one (the admin role's ``add``).

    Readers without user-management rights get pk, username and names of other accounts, and
    search, filter and order by those only: other filters and orderings are ignored.
    """

    @property
    def filterset_class(self):
        return UserFilter if self.account_details_visible() else PublicUserFilter

    @property
    def search_fields(self):
        if not self.account_details_visible():
            return PUBLIC_USER_LOOKUPS
        return [*PUBLIC_USER_LOOKUPS, "email"]

    @property
    def ordering_fields(self):
        if not self.account_details_visible():
            return PUBLIC_USER_LOOKUPS
        return [*PUBLIC_USER_LOOKUPS, "email", "is_active", "date_joined"]

    def perform_create(self, serializer):
        try:
            serializer.save()
        except services.AccountChangeRefused as exc:
            raise _refused(exc) from exc


class AccountManagePermission(permissions.BasePermission):
    """Writes to an account pass ``services.account_manage_refusal``: only superusers touch
    staff and superusers, and nobody takes over an account holding permissions they lack."""

    message = "You may not change this account."

    def has_object_permission(self, request, view, obj) -> bool:
        if request.method in permissions.SAFE_METHODS:
            return True
        refusal = services.account_manage_refusal(actor=request.user, target=obj)
        if refusal:
            self.message = refusal
            return False
        return True


class UserDetail(UserMixin, generics.RetrieveUpdateDestroyAPIView):
    permission_classes = [*api_settings.DEFAULT_PERMISSION_CLASSES, AccountManagePermission]

    def perform_update(self, serializer):
        try:
            serializer.save()
        except services.AccountChangeRefused as exc:
            raise _refused(exc) from exc
        request = self.request
        if (
            serializer.validated_data.get("password")
            and request.user.pk == serializer.instance.pk
            and isinstance(request.successful_authenticator, SessionAuthentication)
        ):
            # Changing one's own password from the browser keeps this session; the user's
            # other sessions end (their stored password hash no longer matches).
            update_session_auth_hash(request._request, serializer.instance)

    def perform_destroy(self, instance):
        try:
            services.user_delete(actor=self.request.user, user=instance)
        except services.AccountChangeRefused as exc:
            raise _refused(exc) from exc


class GroupMixin:
    queryset = Group.objects.prefetch_related(
        Prefetch("rule_sets", queryset=RuleSet.objects.order_by("name"))
    ).order_by("name")
    serializer_class = GroupSerializer
    read_requires_role = False


class GroupList(GroupMixin, generics.ListCreateAPIView):
    search_fields = ["name"]
    ordering_fields = ["name"]


class GroupChangePermission(permissions.BasePermission):
    """A non-superuser renames or deletes only groups whose permissions they hold themselves
    (roles are read-only here), and deletes no group with staff or superuser members."""

    message = "You may not change this group."

    def has_object_permission(self, request, view, obj) -> bool:
        if request.method in permissions.SAFE_METHODS:
            return True
        refusal = services.group_change_refusal(
            actor=request.user, group=obj, delete=request.method == "DELETE"
        )
        if refusal:
            self.message = refusal
            return False
        return True


class GroupDetail(GroupMixin, generics.RetrieveUpdateDestroyAPIView):
    permission_classes = [*api_settings.DEFAULT_PERMISSION_CLASSES, GroupChangePermission]

    def perform_update(self, serializer):
        try:
            serializer.instance = services.group_update(
                actor=self.request.user, group=serializer.instance, data=serializer.validated_data
            )
        except services.AccountChangeRefused as exc:
            raise _refused(exc) from exc

    def perform_destroy(self, instance):
        try:
            services.group_delete(actor=self.request.user, group=instance)
        except services.AccountChangeRefused as exc:
            raise _refused(exc) from exc


class OwnerFilter(FilterSet):
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
