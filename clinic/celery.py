"""The Celery application; configuration comes from Django settings (CELERY_*).

No settings module is chosen here. `clinic/__init__.py` imports this module in every process
(so that tasks are sent through this app), before any entry point runs: a default set here
would win over the entry point's own. The web entry point (`clinic/wsgi.py`) names production;
a worker or beat started without DJANGO_SETTINGS_MODULE refuses to start, because its
configuration is loaded through `SettingsLoader`.
"""

import os

from celery import Celery
from celery.loaders.app import AppLoader
from django.core.exceptions import ImproperlyConfigured

NO_SETTINGS = (
    "DJANGO_SETTINGS_MODULE is not set: name the settings this process runs with "
    "(clinic.settings.production in a deployment, clinic.settings.local on a laptop)."
)


class SettingsLoader(AppLoader):
    """Loads Celery's configuration from the Django settings the process names, and only those."""

    def config_from_object(self, obj, silent=False):
        if not os.environ.get("DJANGO_SETTINGS_MODULE"):
            raise ImproperlyConfigured(NO_SETTINGS)
        return super().config_from_object(obj, silent=silent)


app = Celery("clinic", loader="clinic.celery:SettingsLoader")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
