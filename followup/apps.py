"""App configuration for follow-up."""

from django.apps import AppConfig
from django.db.models.signals import post_save


class FollowupConfig(AppConfig):
    name = "followup"
    verbose_name = "Follow-up after recovery"

    def ready(self):
        from intake import extensions
        from intake.casework import case_status_changed
        from intake.models import Case, CaseEvent
        from intake.records import patients_merged

        from . import emails, signals

        case_status_changed.connect(signals.on_case_status_changed, dispatch_uid="followup")
        post_save.connect(signals.on_case_saved, sender=Case, dispatch_uid="followup")
        patients_merged.connect(signals.on_patients_merged, dispatch_uid="followup")
        emails.register()
        extensions.add_case_panel("followup/case_panel.html")
        extensions.add_patient_panel(
            "followup/patient_panel.html", prefetch=("followups", "checkins")
        )
        for kind in (CaseEvent.Kind.FOLLOWUP, CaseEvent.Kind.CHECKIN):
            extensions.add_event_template(kind, "followup/timeline_event.html")
