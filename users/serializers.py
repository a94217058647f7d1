from django.contrib.auth.models import Group, User
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError as DjangoValidationError
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from users.models import ApiToken, Owner
from users.roles import ACTIONS, ROLES


class UserBriefSerializer(serializers.ModelSerializer):
    pk = serializers.IntegerField(source="id", read_only=True)

    class Meta:
        model = User
        fields = ["pk", "username", "first_name", "last_name", "email"]


class UserSerializer(serializers.ModelSerializer):
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

    def validate_is_staff(self, value):
        request = self.context.get("request")
        current = self.instance.is_staff if self.instance is not None else False
        if value != current and not (request and request.user.is_superuser):
            raise serializers.ValidationError(
                _("Only a superuser can grant or remove staff status.")
            )
        return value

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

    def create(self, validated_data):
        password = validated_data.pop("password", None)
        groups = validated_data.pop("groups", [])
        user = User(**validated_data)
        if password:
            user.set_password(password)
        else:
            user.set_unusable_password()
        user.save()
        user.groups.set(groups)
        return user

    def update(self, instance, validated_data):
        password = validated_data.pop("password", None)
        if password:
            instance.set_password(password)
        return super().update(instance, validated_data)


# ``{"return_order": ["view", "add"], ...}`` in the schema.
ROLES_FIELD = serializers.DictField(
    child=serializers.ListField(child=serializers.ChoiceField(choices=ACTIONS))
)


class GroupBriefSerializer(serializers.Serializer):
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


class GroupSerializer(serializers.ModelSerializer):
    pk = serializers.IntegerField(source="id", read_only=True)
    roles = serializers.SerializerMethodField()

    class Meta:
        model = Group
        fields = ["pk", "name", "roles"]

    @extend_schema_field(ROLES_FIELD)
    def get_roles(self, obj):
        return {rs.name: rs.actions() for rs in obj.rule_sets.all()}


class OwnerSerializer(serializers.ModelSerializer):
    pk = serializers.IntegerField(source="id", read_only=True)
    owner_model = serializers.CharField(source="owner_type.model", read_only=True)
    label = serializers.CharField(read_only=True)

    class Meta:
        model = Owner
        fields = ["pk", "owner_id", "owner_model", "name", "label"]


class TokenRequestSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=100, required=False, default="inventree-python-client")


class IssuedTokenSerializer(serializers.Serializer):
    """The answer to a token request: the key is shown this once."""

    token = serializers.CharField()
    name = serializers.CharField()
    expiry = serializers.DateField(allow_null=True)


class ApiTokenSerializer(serializers.ModelSerializer):
    pk = serializers.IntegerField(source="id", read_only=True)
    active = serializers.BooleanField(read_only=True)

    class Meta:
        model = ApiToken
        fields = ["pk", "name", "prefix", "created", "expiry", "revoked", "last_seen", "active"]
        read_only_fields = fields
