"""`manage.py dispatch_followups`: the old name of `manage.py send_outbox`, kept for scripts.

Follow-ups are sent by the one outbox now, so a pass sends every due email, alerts included.
"""

from clinic.management.commands.send_outbox import Command as SendOutbox


class Command(SendOutbox):
    help = "The same as send_outbox (kept for existing scripts). " + SendOutbox.help
