from django.contrib.auth.models import Group, User
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError as DjangoValidationError
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from common.serializers import BaseModelSerializer, BaseSerializer
from users import services
from users.models import ApiToken, Owner
from users.roles import ACTIONS, ROLES

# What every logged-in user sees of every account: enough for owner pickers. The rest (e-mail,
# flags, groups, dates) is for user managers, staff and the account's own user.
PUBLIC_USER_FIELDS = ("pk", "username", "first_name", "last_name")


class UserBriefSerializer(BaseModelSerializer):
    """A user as other objects show it (an order's ``created_by``, a tracking entry's user).

    ``email`` only for readers who may see account details (and for one's own account), as in
    ``/api/user/``.
    """

    pk = serializers.IntegerField(source="id", read_only=True)

    class Meta:
        model = User
        fields = ["pk", "username", "first_name", "last_name", "email"]

    def to_representation(self, instance):
        data = super().to_representation(instance)
        request = self.context.get("request")
        if (
            request is not None
            and request.user.pk != instance.pk
            and not services.account_details_visible_to(viewer=request.user)
        ):
            data.pop("email", None)
        return data


class UserSerializer(BaseModelSerializer):
    """An account. Readers without user-management rights get only ``PUBLIC_USER_FIELDS`` of
    other accounts; writes go through ``users.services`` (``user_create``, ``user_update``)."""

    pk = serializers.IntegerField(source="id", read_only=True)
    password = serializers.CharField(
        write_only=True, required=False, style={"input_type": "password"}
    )
    groups = serializers.PrimaryKeyRelatedField(
        many=True, queryset=Group.objects.all(), required=False
    )

    class Meta:
        model = User
        fields = [
            "pk",
            "username",
            "first_name",
            "last_name",
            "email",
            "is_active",
            "is_staff",
            "is_superuser",
            "groups",
            "password",
            "last_login",
            "date_joined",
        ]
        read_only_fields = ["is_superuser", "last_login", "date_joined"]

    def validate(self, attrs):
        password = attrs.get("password")
        if password:
            candidate = self.instance or User(
                username=attrs.get("username", ""), email=attrs.get("email", "")
            )
            try:
                validate_password(password, user=candidate)
            except DjangoValidationError as exc:
                raise serializers.ValidationError({"password": list(exc.messages)}) from exc
        return attrs

    def _actor(self):
        return self.context["request"].user

    def _shows_details(self, instance) -> bool:
        """Whether this reader sees more of ``instance`` than ``PUBLIC_USER_FIELDS``."""
        request = self.context.get("request")
        if request is None:
            return True  # not an API response (e.g. a management command)
        if request.user.pk == instance.pk:
            return True
        visible = self.context.get("account_details_visible")
        if visible is None:
            visible = services.account_details_visible_to(viewer=request.user)
        return visible

    def to_representation(self, instance):
        data = super().to_representation(instance)
        if self._shows_details(instance):
            return data
        return {name: data[name] for name in PUBLIC_USER_FIELDS}

    def create(self, validated_data):
        return services.user_create(actor=self._actor(), data=validated_data)

    def update(self, instance, validated_data):
        return services.user_update(actor=self._actor(), user=instance, data=validated_data)


# ``{"return_order": ["view", "add"], ...}`` in the schema.
ROLES_FIELD = serializers.DictField(
    child=serializers.ListField(child=serializers.ChoiceField(choices=ACTIONS))
)


class GroupBriefSerializer(BaseSerializer):
    pk = serializers.IntegerField()
    name = serializers.CharField()


def user_roles(user) -> dict[str, list[str]]:
    """``{"return_order": ["view", "add"], ...}``: what the user may do, per role."""
    result = {}
    for role, spec in ROLES.items():
        allowed = []
        for action in ACTIONS:
            perms = [
                f"{label.split('.')[0]}.{action}_{label.split('.')[1]}" for label in spec["models"]
            ]
            if user.is_superuser or any(user.has_perm(p) for p in perms):
                allowed.append(action)
        result[role] = allowed
    return result


class MeSerializer(UserBriefSerializer):
    roles = serializers.SerializerMethodField()
    groups = serializers.SerializerMethodField()

    class Meta(UserBriefSerializer.Meta):
        fields = [
            *UserBriefSerializer.Meta.fields,
            "is_staff",
            "is_superuser",
            "is_active",
            "groups",
            "roles",
        ]

    @extend_schema_field(ROLES_FIELD)
    def get_roles(self, obj):
        return user_roles(obj)

    @extend_schema_field(GroupBriefSerializer(many=True))
    def get_groups(self, obj):
        return [{"pk": g.pk, "name": g.name} for g in obj.groups.all()]


class GroupSerializer(BaseModelSerializer):
    pk = serializers.IntegerField(source="id", read_only=True)
    roles = serializers.SerializerMethodField()

    class Meta:
        model = Group
        fields = ["pk", "name", "roles"]

    @extend_schema_field(ROLES_FIELD)
    def get_roles(self, obj):
        return {rs.name: rs.actions() for rs in obj.rule_sets.all()}


class OwnerSerializer(BaseModelSerializer):
    pk = serializers.IntegerField(source="id", read_only=True)
    owner_model = serializers.CharField(source="owner_type.model", read_only=True)
    label = serializers.CharField(read_only=True)

    class Meta:
        model = Owner
        fields = ["pk", "owner_id", "owner_model", "name", "label"]


class TokenRequestSerializer(BaseSerializer):
    name = serializers.CharField(max_length=100, required=False, default="inventree-python-client")


class IssuedTokenSerializer(BaseSerializer):
    """The answer to a token request: the key is shown this once."""

    token = serializers.CharField()
    name = serializers.CharField()
    expiry = serializers.DateField(allow_null=True)


class ApiTokenSerializer(BaseModelSerializer):
    pk = serializers.IntegerField(source="id", read_only=True)
    active = serializers.BooleanField(read_only=True)

    class Meta:
        model = ApiToken
        fields = ["pk", "name", "prefix", "created", "expiry", "revoked", "last_seen", "active"]
        read_only_fields = fields
