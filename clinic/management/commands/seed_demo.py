"""`manage.py seed_demo`: demo staff logins, a dozen demo patients across every tier, bulk cases.

The data itself is `clinic.demo`'s; this command reads the options and reports. It refuses to
run where the settings do not allow demo data (`DEMO_DATA_ALLOWED`: production) unless given
--force. Running it again changes nothing but the demo staff passwords, set to the one it
prints; `--cases N` and `--followups-due N` add that many more each time, with progress on
stderr and fresh planner statistics at the end.
"""

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from clinic.demo import cases, followups, patients, staff
from followup.models import FollowUp
from intake import rules
from intake.models import Tier

USAGE_ERROR = 2
DEFAULT_SEED = 1989
MAX_CASES = 1_000_000  # a typo of a few extra zeros should not fill the disk
DEMO_FOLLOWUPS_DUE = 3  # recovered demo patients whose first follow-up is due at once


class UsageError(Exception):
    """A bad argument; the message is the one line the user sees."""


def positive_count(value: object, option: str = "--cases") -> int:
    # type() not isinstance(): True is an int in Python, but not a number of cases.
    if type(value) is int:
        number = value
    elif isinstance(value, str) and value.strip().isdecimal():
        number = int(value)
    else:
        number = 0
    if number < 1:
        raise UsageError(f"{option} must be a whole number of 1 or more, not {value!r}")
    if number > MAX_CASES:
        raise UsageError(f"{option} can add at most {MAX_CASES:,} at a time, not {number:,}")
    return number


def seed_value(value: object) -> int:
    try:
        if type(value) is bool:
            raise ValueError
        return int(value)
    except ValueError:
        raise UsageError(f"--seed must be a whole number, not {value!r}") from None


class Command(BaseCommand):
    help = (
        "Create demo staff logins (password: $DEMO_PASSWORD, or one generated and kept in "
        "var/demo-password) and demo patients across every urgency tier; with --cases N, add N "
        "generated cases in bulk. Refuses to run where the settings allow no demo data "
        "(production)."
    )

    def add_arguments(self, parser):
        # --cases and --seed are checked in handle(), not by argparse, so that a bad value is one
        # line and exit status 2 from call_command too, like `manage.py assess`.
        parser.add_argument(
            "--cases", metavar="N", help="add N generated cases (a whole number, 1 or more)"
        )
        parser.add_argument(
            "--seed",
            metavar="S",
            default=DEFAULT_SEED,
            help=f"random seed for --cases, so a run can be repeated (default {DEFAULT_SEED})",
        )
        parser.add_argument(
            "--force",
            action="store_true",
            help="run even where the settings allow no demo data (creates known logins: be sure)",
        )
        parser.add_argument(
            "--followups-due",
            metavar="N",
            help="add N recovered patients (consent given) whose first follow-up is due now",
        )
        parser.add_argument(
            "--demo-followups",
            action="store_true",
            help=f"once: {DEMO_FOLLOWUPS_DUE} recovered patients with a follow-up due (make run)",
        )

    def handle(self, *args, **options):
        try:
            count = positive_count(options["cases"]) if options["cases"] is not None else 0
            due = options["followups_due"]
            due = positive_count(due, "--followups-due") if due is not None else 0
            seed = seed_value(options["seed"])
        except UsageError as error:
            self.stderr.write(str(error))
            raise SystemExit(USAGE_ERROR) from None
        if not settings.DEMO_DATA_ALLOWED and not options["force"]:
            raise CommandError(
                "No default accounts in production: seed_demo creates staff logins with a "
                "known password, and these settings allow no demo data (DEMO_DATA_ALLOWED). "
                "Use --force only on a throwaway deployment."
            )

        accounts = staff.seed_staff(self.stdout.write, self.stderr.write)
        patients.seed_demo_patients(accounts, self.stdout.write)
        if options["demo_followups"] and not FollowUp.objects.exists():
            # The worker sends them at the next beat: make run shows a follow-up email too.
            followups.create_due(DEMO_FOLLOWUPS_DUE)
            self.stdout.write(
                f"Demo follow-ups: {DEMO_FOLLOWUPS_DUE} recovered patients with a follow-up "
                "due now."
            )
        if count:
            maker, seconds = cases.add_cases(
                count, seed, accounts, self.progress(count, "cases"), self.analysed
            )
            mix = ", ".join(f"{maker.tiers[Tier.of(tier)]:,} {tier}" for tier in rules.TIERS)
            self.stdout.write(
                f"Added {count:,} cases in {seconds:.1f} s ({mix}; "
                f"{maker.incomplete:,} screen incomplete)."
            )
        if due:
            followups.create_due(due, self.progress(due, "recovered"), self.analysed)
            self.stdout.write(f"Added {due:,} recovered patients with a follow-up due now.")

    def progress(self, total: int, what: str):
        def report(done: int, seconds: float):
            self.stderr.write(f"  {done:,} / {total:,} {what} ({seconds:.1f} s)")

        return report

    def analysed(self, tables: list[str], seconds: float):
        self.stderr.write(f"  analysed {len(tables)} tables ({seconds:.1f} s)")
