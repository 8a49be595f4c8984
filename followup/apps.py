"""App configuration for follow-up."""

from django.apps import AppConfig
from django.db.models.signals import post_save


class FollowupConfig(AppConfig):
    name = "followup"
    verbose_name = "Follow-up after recovery"

    def ready(self):
        from intake.casework import case_status_changed
        from intake.models import Case

        from . import signals

        case_status_changed.connect(signals.on_case_status_changed, dispatch_uid="followup")
        post_save.connect(signals.on_case_saved, sender=Case, dispatch_uid="followup")
