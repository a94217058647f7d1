"""OpenAPI (drf-spectacular) descriptions of Boomerang's own authentication classes.

Imported from ``UsersConfig.ready()``: drf-spectacular finds extensions by subclass registration.
"""

from drf_spectacular.extensions import OpenApiAuthenticationExtension, OpenApiSerializerExtension


class ApiTokenScheme(OpenApiAuthenticationExtension):
    target_class = "users.authentication.ApiTokenAuthentication"
    name = "Token"

    def get_security_definition(self, auto_schema):
        return {
            "type": "apiKey",
            "in": "header",
            "name": "Authorization",
            "description": (
                'Named API token, sent as "Authorization: Token <key>". '
                "Get one from /api/user/token/?name=<name> with HTTP Basic."
            ),
        }


class CalendarTokenScheme(OpenApiAuthenticationExtension):
    target_class = "users.authentication.CalendarTokenAuthentication"
    name = "CalendarToken"

    def get_security_definition(self, auto_schema):
        return {
            "type": "apiKey",
            "in": "query",
            "name": "token",
            "description": (
                "Personal calendar key, accepted by the calendar feeds only. "
                "Create or regenerate it from the Subscribe panel of the return-order list."
            ),
        }


class UserSerializerScheme(OpenApiSerializerExtension):
    """An account as the API answers it: only pk, username and names are always there (readers
    without user-management rights see no more of other accounts), so only those may be
    ``required`` in a response."""

    target_class = "users.serializers.UserSerializer"

    def map_serializer(self, auto_schema, direction):
        from users.serializers import PUBLIC_USER_FIELDS

        schema = auto_schema._map_basic_serializer(self.target, direction)
        if direction == "response" and "required" in schema:
            schema["required"] = [name for name in schema["required"] if name in PUBLIC_USER_FIELDS]
            if not schema["required"]:
                del schema["required"]
        return schema


class BasicScheme(OpenApiAuthenticationExtension):
    target_class = "users.authentication.BasicAuthentication"
    name = "basicAuth"

    def get_security_definition(self, auto_schema):
        return {
            "type": "http",
            "scheme": "basic",
            "description": (
                "Username and password. Repeated failures lock the username and the client "
                "address out for a while: 429 with Retry-After."
            ),
        }
