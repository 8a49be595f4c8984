"""`manage.py grant_app_role ROLE`: what the app's own database role may do, run by the tables'
owner after every `migrate` (docker-compose.yml's migrate service).

The app (web, worker, beat) connects as a role that owns nothing: it reads and writes every
table, but on the audit trail it may only read and add rows. Even with the app's password, no
UPDATE, DELETE or TRUNCATE of an audit row gets past PostgreSQL's privileges, and the triggers
that refuse them (clinic/migrations/0002, 0005) cannot be dropped by a role that does not own
the table. An unknown role is one line on stderr and exit status 2.
"""

from django.core.management.base import BaseCommand
from django.db import connection, transaction
from psycopg import sql

from clinic.models import AuditEntry

USAGE_ERROR = 2


class Command(BaseCommand):
    help = "Grant the app's database role every table, and the audit trail read and insert only."

    def add_arguments(self, parser):
        parser.add_argument("role", help="the database role web, worker and beat connect as")

    def handle(self, *args, **options):
        role = options["role"].strip()
        with connection.cursor() as cursor:
            cursor.execute("SELECT rolsuper FROM pg_roles WHERE rolname = %s", [role])
            found = cursor.fetchone()
            cursor.execute("SELECT current_user, current_schema()")
            owner, schema = cursor.fetchone()
        if found is None:
            self.stderr.write(f"There is no database role {role!r}: create it first.")
            raise SystemExit(USAGE_ERROR)
        if found[0] or role == owner:
            self.stderr.write(
                f"{role!r} owns the tables or is a superuser: the app needs a role of its own."
            )
            raise SystemExit(USAGE_ERROR)
        who, where = sql.Identifier(role), sql.Identifier(schema)
        audit_table = sql.Identifier(AuditEntry._meta.db_table)
        statements = [
            sql.SQL("GRANT USAGE ON SCHEMA {} TO {}").format(where, who),
            sql.SQL("GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA {} TO {}").format(
                where, who
            ),
            sql.SQL("GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA {} TO {}").format(where, who),
            sql.SQL(
                "REVOKE TRUNCATE, REFERENCES, TRIGGER ON ALL TABLES IN SCHEMA {} FROM {}"
            ).format(where, who),
            sql.SQL("REVOKE UPDATE, DELETE ON {} FROM {}").format(audit_table, who),
        ]
        with transaction.atomic(), connection.cursor() as cursor:
            for statement in statements:
                cursor.execute(statement)
        self.stdout.write(
            f"{role}: every table read and write; {AuditEntry._meta.db_table} read and insert only."
        )
