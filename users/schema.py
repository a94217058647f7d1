"""OpenAPI (drf-spectacular) descriptions of Boomerang's own authentication classes.

Imported from ``UsersConfig.ready()``: drf-spectacular finds extensions by subclass registration.
"""

from drf_spectacular.extensions import OpenApiAuthenticationExtension


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
