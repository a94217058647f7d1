from django.apps import AppConfig


class ImporterConfig(AppConfig):
    name = "importer"
    verbose_name = "InvenTree import"

    def ready(self) -> None:
        from importer import jobs

        jobs.register_kinds()
