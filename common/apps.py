from django.apps import AppConfig
from django.db.backends.signals import connection_created
from django.db.models.signals import post_migrate


class CommonConfig(AppConfig):
    name = "common"
    verbose_name = "Common"

    def ready(self):
        from common.postgresql import prepare_reused_statements
        from common.row_counts import restore_missing_counts

        connection_created.connect(prepare_reused_statements, dispatch_uid="prepare_reused")
        # After `migrate`, and after `flush` (which empties common_rowcount too).
        post_migrate.connect(restore_missing_counts, sender=self, dispatch_uid="row_counts")
