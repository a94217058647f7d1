from django.apps import AppConfig
from django.db.backends.signals import connection_created


class CommonConfig(AppConfig):
    name = "common"
    verbose_name = "Common"

    def ready(self):
        from common.postgresql import prepare_reused_statements

        connection_created.connect(prepare_reused_statements, dispatch_uid="prepare_reused")
