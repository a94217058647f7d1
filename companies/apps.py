from django.apps import AppConfig


class CompaniesConfig(AppConfig):
    name = "companies"
    verbose_name = "Companies"

    def ready(self) -> None:
        from common import model_types
        from companies.models import Address, Company, Contact

        model_types.register(Company)
        model_types.register(Contact)
        model_types.register(Address)
