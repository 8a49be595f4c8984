"""App configuration for intake."""

from django.apps import AppConfig


class IntakeConfig(AppConfig):
    name = "intake"
    verbose_name = "Intake and triage"

    def ready(self):
        from django.db.models.signals import post_migrate

        from clinic.roles import ensure_roles

        from . import alerts, escalation

        # After auth's own post_migrate handler has made the permissions.
        post_migrate.connect(ensure_roles, sender=self)
        alerts.register()
        escalation.register()
