#!/usr/bin/env python
"""Django's command-line utility; defaults to the local settings.

Under the local settings with no DATABASE_URL, a command needs make run's embedded PostgreSQL:
when it is not up (no `make run` beside), the command runs beside one started for it and
stopped after it (clinic/local_postgres.py)."""

import os
import sys


def needs_embedded_postgres() -> bool:
    if os.environ["DJANGO_SETTINGS_MODULE"] != "clinic.settings.local":
        return False
    if os.environ.get("DATABASE_URL"):
        return False
    from clinic.local_postgres import DATA_DIR

    return not (DATA_DIR / ".s.PGSQL.5432").exists()


if __name__ == "__main__":
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "clinic.settings.local")
    if needs_embedded_postgres():
        from clinic import local_postgres

        sys.exit(local_postgres.main([sys.executable, *sys.argv]))
    from django.core.management import execute_from_command_line

    execute_from_command_line(sys.argv)
