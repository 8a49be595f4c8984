from django.apps import AppConfig


class ClinicConfig(AppConfig):
    name = "clinic"
    verbose_name = "Clinic"

    def ready(self):
        from .accounts import checks, signals  # noqa: F401 (registers receivers and checks)
