from django.apps import AppConfig


class UsersConfig(AppConfig):
    name = "users"
    verbose_name = "Users and permissions"

    def ready(self) -> None:
        from users import schema, signals  # noqa: F401
