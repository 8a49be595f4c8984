"""`manage.py seed_demo`: demo staff logins, a dozen demo patients across every tier, bulk cases.

Never for production: it refuses to run under the production settings unless given --force.
Every name, email address and phone number it writes is plainly invented (@example.test,
07700 900xxx, the UK range kept for drama). Running it again changes nothing but the demo
staff passwords, set to the one it prints; `--cases N` adds N more generated cases each time.
"""

import os
import random
import secrets
import time
from collections import Counter
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils import timezone

from clinic import roles
from followup.demo import create_due
from followup.models import FollowUp
from intake import rules, targets
from intake.forms import CONSENT_WORDING
from intake.models import (
    Case,
    Enquiry,
    Flag,
    IntakeResponse,
    Patient,
    StaffProfile,
    Tier,
    TriageTargets,
)
from intake.services import Contact, phone_digits, record_enquiry

USAGE_ERROR = 2
DEFAULT_SEED = 1989
BATCH_SIZE = 2000
MAX_CASES = 1_000_000  # a typo of a few extra zeros should not fill the disk
HISTORY_DAYS = 548  # about 18 months of generated cases
DEMO_FOLLOWUPS_DUE = 3  # recovered demo patients whose first follow-up is due at once
STAFF_DOMAIN = "clinic.example.test"


def password_file() -> Path:
    """Where a generated demo password is kept, so that the login printed last time stays true."""
    return Path(settings.VAR_DIR) / "demo-password"


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


# --- Staff -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class StaffAccount:
    username: str
    role: str
    first_name: str
    last_name: str

    @property
    def email(self) -> str:
        return f"{self.username}@{STAFF_DOMAIN}"


STAFF = (
    StaffAccount("reception", roles.RECEPTION, "Rita", "Reception"),
    StaffAccount("practitioner", roles.PRACTITIONER, "Pat", "Practitioner"),
    StaffAccount("admin", roles.CLINIC_ADMIN, "Ada", "Admin"),
)


def kept_demo_password() -> tuple[str, str] | None:
    """The demo password seed_demo last set and where it comes from, without making one."""
    if password := os.environ.get("DEMO_PASSWORD"):
        return password, "from DEMO_PASSWORD"
    try:
        password = password_file().read_text().strip()
    except FileNotFoundError:
        return None
    return (password, f"kept in {password_file()}") if password else None


def demo_password() -> tuple[str, str]:
    """The demo staff password and where it comes from: DEMO_PASSWORD, or a kept generated one."""
    if password := os.environ.get("DEMO_PASSWORD"):
        return password, "from DEMO_PASSWORD"
    path = password_file()
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        # O_EXCL: two runs at once cannot each write a different password.
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        password = path.read_text().strip()
        if not password:
            raise CommandError(f"{path} is empty: delete it to have a new password made") from None
        return password, f"kept in {path}"
    password = secrets.token_urlsafe(12)
    with os.fdopen(fd, "w") as file:
        file.write(password + "\n")
    return password, f"new, kept in {path}"


# --- The demo patients ---------------------------------------------------------------------------


def birthday(age: int, on: date) -> date:
    """A date of birth that makes someone `age` on the day `on` (mid-July, never 29 February)."""
    dob = date(on.year - age, 7, 14)
    return dob if dob <= on else date(on.year - age - 1, 7, 14)


def answers(age: int, on: date, **changes) -> dict:
    """Every red-flag fact "no", pain for 2 weeks, not a first episode; then the changes."""
    base = {
        "date_of_birth": birthday(age, on),
        "first_episode": False,
        "pain_score": 6,
        "pain_duration_weeks": 2,
        "leg_symptoms": "none",
        "leg_weakness": "none",
        **{q.id: False for q in rules.QUESTIONS if q.kind == "yesno" and q.id != "first_episode"},
    }
    base.update(changes)
    return base


@dataclass(frozen=True)
class DemoPatient:
    first_name: str
    last_name: str
    age: int
    phone: str
    source: str
    reason: str = ""
    # Changes from all-"no" answers; None: a phone call logged with no questionnaire.
    changes: dict | None = None
    with_email: bool = True

    @property
    def email(self) -> str:
        return f"{self.first_name}.{self.last_name}@example.test".lower() if self.with_email else ""


WEB, PHONE, WALK_IN, EMAIL = (
    Enquiry.Source.WEB,
    Enquiry.Source.PHONE,
    Enquiry.Source.WALK_IN,
    Enquiry.Source.EMAIL,
)

DEMO_PATIENTS = (
    DemoPatient("Ada", "Example", 46, "07700 900001", WEB, changes={"bladder_change": True}),
    DemoPatient(
        "Ben",
        "Sample",
        38,
        "07700 900002",
        PHONE,
        "Both legs numb and weak since this morning.",
        changes={"leg_symptoms": "both", "leg_weakness": "both", "pain_score": 8},
    ),
    DemoPatient(
        "Cleo",
        "Placeholder",
        67,
        "07700 900003",
        WALK_IN,
        "Back and tummy pain, felt faint in the waiting room.",
        changes={"abdominal_pain_or_fainting": True, "pain_score": 7},
    ),
    DemoPatient(
        "Dev",
        "Demo",
        52,
        "07700 900004",
        WEB,
        changes={"leg_symptoms": "one", "leg_weakness": "one", "pain_duration_weeks": 3},
    ),
    DemoPatient(
        "Edie",
        "Fictional",
        34,
        "07700 900005",
        EMAIL,
        "Emailed: back pain with fevers for two days.",
        changes={"fever": True},
    ),
    DemoPatient("Finn", "Madeup", 41, "07700 900006", WEB, changes={"leg_symptoms": "one"}),
    DemoPatient(
        "Gita",
        "Pretend",
        58,
        "07700 900007",
        PHONE,
        "Pain at night is stopping her sleeping.",
        changes={"night_pain": True, "pain_duration_weeks": 5},
    ),
    DemoPatient(
        "Hal",
        "Mockley",
        27,
        "07700 900008",
        WEB,
        changes={
            "pain_duration_weeks": 20,
            "morning_stiffness": True,
            "better_with_movement": True,
            "pain_score": 4,
        },
    ),
    DemoPatient("Isla", "Dummy", 33, "07700 900009", WEB, changes={"pain_score": 3}),
    DemoPatient(
        "Jon",
        "Specimen",
        45,
        "07700 900010",
        WALK_IN,
        "Hurt his back lifting a sofa.",
        changes={"minor_trauma": True},
    ),
    # One red-flag fact left unanswered: routine on what was answered, but screen incomplete.
    DemoPatient("Kay", "Testcase", 39, "07700 900011", WEB, changes={"bowel_change": None}),
    DemoPatient(
        "Leo",
        "Imaginary",
        50,
        "07700 900012",
        PHONE,
        "Rang about back pain since Monday, wants an appointment; questionnaire to follow.",
        changes=None,
        with_email=False,
    ),
)
DEMO_EMAILS = [p.email for p in DEMO_PATIENTS if p.email]


def record_demo_patients(staff: dict, on: date) -> list[Case]:
    """Record the demo patients as real enquiries: judged, flagged and alerted like any other."""
    reception = staff.get("reception")
    cases = []
    with transaction.atomic():
        for demo in DEMO_PATIENTS:
            dob = birthday(demo.age, on) if demo.changes is not None else None
            recorded = record_enquiry(
                contact=Contact(demo.first_name, demo.last_name, demo.email, demo.phone, dob),
                source=demo.source,
                reason=demo.reason,
                answers=None if demo.changes is None else answers(demo.age, on, **demo.changes),
                consent_followup=demo.source == WEB,
                consent_wording=CONSENT_WORDING,
                logged_by=None if demo.source == WEB else reception,
                on=on,
            )
            cases.append(recorded.case)
    return cases


# --- Bulk cases ----------------------------------------------------------------------------------

# fmt: off
FIRST_NAMES = (
    "Ada", "Ben", "Cleo", "Dev", "Edie", "Finn", "Gita", "Hal", "Isla", "Jon", "Kay", "Leo",
    "Mina", "Ned", "Ola", "Pip", "Quin", "Rosa", "Sol", "Tam", "Uma", "Vic", "Wren", "Xan",
    "Yara", "Zed",
)
# Surnames no one could take for a real patient's.
LAST_NAMES = (
    "Example", "Sample", "Placeholder", "Demo", "Fictional", "Madeup", "Pretend", "Mockley",
    "Dummy", "Specimen", "Testcase", "Imaginary", "Notreal", "Invented", "Synthetic",
    "Fakeley", "Lorem", "Ipsum", "Standin", "Proxy",
)
# fmt: on

REASONS = (
    "Low back pain, asking for an appointment.",
    "Back went while lifting at work.",
    "Back pain keeps coming back; wants it assessed.",
    "Sciatica, asking about physiotherapy.",
    "Stiff back after a long drive.",
    "Pain since gardening at the weekend.",
)
SOURCES, SOURCE_WEIGHTS = (WEB, PHONE, EMAIL, WALK_IN), (55, 25, 12, 8)
RED_FLAG_FACTS = [q.id for q in rules.QUESTIONS if q.red_flag]
YES_NO_FACTS = [q.id for q in rules.QUESTIONS if q.kind == "yesno"]
PAIN_SCORE_WEIGHTS = (1, 2, 4, 6, 8, 9, 9, 8, 6, 3, 2)  # 0..10
S = Case.Status


def random_answers(rng: random.Random, on: date) -> dict:
    """Answers as the form stores them (JSON); the tier mix is chosen, the rules then judge it.

    About 0.6% are built to be emergencies, 4% urgent, 35% soon; the rest are routine unless
    chance (a first episode over 50, say) fires a rule, as it does in real life.
    """
    age = int(rng.triangular(16, 90, 42))
    a = dict.fromkeys(YES_NO_FACTS, False)
    a.update(
        first_episode=rng.random() < 0.3,
        pain_score=rng.choices(range(11), PAIN_SCORE_WEIGHTS)[0],
        pain_duration_weeks=rng.randrange(13, 105) if rng.random() < 0.2 else rng.randrange(13),
        leg_symptoms="none",
        leg_weakness="none",
        minor_trauma=rng.random() < 0.25,
        morning_stiffness=rng.random() < 0.15,
        better_with_movement=rng.random() < 0.35,
        osteoporosis_or_steroids=rng.random() < 0.04,
    )
    tier = rng.random()
    if tier < 0.006:
        match rng.choice(
            ("ces", "ces", "bilateral", "progressive", "trauma", "chest", "aaa", "cancer")
        ):
            case "ces":
                a[rng.choice(("bladder_change", "bowel_change", "saddle_numbness"))] = True
            case "bilateral":
                a["leg_symptoms"] = "both"
                a["leg_weakness"] = rng.choice(("none", "both"))
            case "progressive":
                a.update(leg_symptoms="one", leg_weakness="one", weakness_worsening=True)
            case "trauma":
                a["major_trauma"] = True
            case "chest":
                a["chest_pain"] = True
            case "aaa":
                age = max(age, 55 + rng.randrange(30))
                a["abdominal_pain_or_fainting"] = True
            case "cancer":
                a.update(cancer_history=True, leg_symptoms="one")
    elif tier < 0.046:
        match rng.choice(("weakness", "weakness", "cancer", "fever", "infection", "weight")):
            case "weakness":
                a.update(leg_weakness="one", leg_symptoms=rng.choice(("none", "one")))
            case "cancer":
                a["cancer_history"] = True
            case "fever":
                a["fever"] = True
            case "infection":
                a["infection_risk"] = True
            case "weight":
                a["weight_loss"] = True
    elif tier < 0.40:
        match rng.choices(("radicular", "night", "fragility", "inflammatory"), (80, 10, 4, 6))[0]:
            case "radicular":
                a["leg_symptoms"] = "one"
            case "night":
                a["night_pain"] = True
            case "fragility":
                a.update(minor_trauma=True, osteoporosis_or_steroids=True)
            case "inflammatory":
                age = rng.randrange(18, 45)
                a.update(
                    pain_duration_weeks=rng.randrange(13, 60),
                    morning_stiffness=True,
                    better_with_movement=True,
                )
    if rng.random() < 0.03:
        # A partial record: a fact or two the patient skipped (never one that raised a flag).
        for fact in rng.sample(RED_FLAG_FACTS, rng.choice((1, 1, 2))):
            if a[fact] in (False, "none"):
                del a[fact]
    born = on - timedelta(days=age * 365 + rng.randrange(365))
    a["date_of_birth"] = born.isoformat()
    return a


def random_status(rng: random.Random, tier: Tier, age: timedelta) -> str:
    """A plausible status for a case opened `age` ago: old cases are mostly finished."""
    days = age.days
    if tier == Tier.EMERGENCY and days >= 1:
        return S.EMERGENCY_CARE if rng.random() < 0.7 else S.CLOSED
    if days < 2:
        options = {S.NEW: 60, S.TRIAGED: 40}
    elif days < 21:
        options = {S.TRIAGED: 25, S.BOOKED: 35, S.IN_TREATMENT: 35, S.DID_NOT_ATTEND: 5}
    elif days < 90:
        options = {S.IN_TREATMENT: 35, S.RECOVERED: 40, S.CLOSED: 15, S.DID_NOT_ATTEND: 10}
    else:
        options = {S.RECOVERED: 55, S.CLOSED: 35, S.DID_NOT_ATTEND: 7, S.IN_TREATMENT: 3}
    return rng.choices(list(options), list(options.values()))[0]


@contextmanager
def own_timestamps():
    """Let bulk_create keep back-dated timestamps, which auto_now(_add) would set to now.

    It changes the model fields for this process only while the block runs; the command is
    the only thing running in its process, and the fields are restored even on error.
    """
    fields = [
        Patient._meta.get_field("created_at"),
        Case._meta.get_field("opened_at"),
        Case._meta.get_field("updated_at"),
        Enquiry._meta.get_field("created_at"),
        IntakeResponse._meta.get_field("submitted_at"),
    ]
    saved = [(field, field.auto_now, field.auto_now_add) for field in fields]
    for field in fields:
        field.auto_now = field.auto_now_add = False
    try:
        yield
    finally:
        for field, auto_now, auto_now_add in saved:
            field.auto_now, field.auto_now_add = auto_now, auto_now_add


class CaseMaker:
    """Builds generated cases in memory, one batch at a time, ready for bulk_create."""

    def __init__(self, rng: random.Random, count: int, now: datetime, staff: dict):
        self.rng = rng
        self.now = now
        self.reception = staff.get("reception")
        self.practitioner = staff.get("practitioner")
        self.token = secrets.token_hex(3)  # not from rng: reruns with one seed must not collide
        self.tiers = Counter()
        self.targets = TriageTargets.current()
        self.incomplete = 0
        self.midnight = timezone.localtime(now).replace(hour=0, minute=0, second=0, microsecond=0)
        # Sorted, so that ids rise with time as they would in real use.
        self.opened = sorted(self.moment() for _ in range(count))

    def moment(self) -> datetime:
        """A time in the last HISTORY_DAYS, any day alike, leaning towards office hours."""
        while True:
            day = self.midnight - timedelta(days=self.rng.randrange(HISTORY_DAYS))
            # Local clock hours: aware datetime arithmetic in the clinic's zone keeps wall time.
            moment = day + timedelta(hours=self.rng.triangular(6, 23, 11))
            if moment <= self.now:  # today: only the hours that have passed
                return moment

    def build(self, first: int, stop: int):
        rng, now = self.rng, self.now
        patients, cases, enquiries, responses, flags = [], [], [], [], []
        for index in range(first, stop):
            opened = self.opened[index]
            on = timezone.localdate(opened)
            raw = random_answers(rng, on)
            assessment = rules.assess(raw, on)
            tier = Tier.of(assessment.urgency)
            self.tiers[tier] += 1
            self.incomplete += assessment.screen_incomplete
            source = rng.choices(SOURCES, SOURCE_WEIGHTS)[0]
            staff_user = None if source == WEB else self.reception
            first_name, last_name = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
            phone = f"07700 900{rng.randrange(1000):03d}"
            patient = Patient(
                first_name=first_name,
                last_name=last_name,
                email=f"{first_name}.{last_name}.{self.token}.{index}@example.test".lower(),
                phone=phone,
                phone_digits=phone_digits(phone),
                date_of_birth=date.fromisoformat(raw["date_of_birth"]),
                created_at=opened,
            )
            patient.search_text = patient.make_search_text()
            status = random_status(rng, tier, now - opened)
            acknowledged = None
            if tier == Tier.EMERGENCY and (status != S.NEW or rng.random() < 0.5):
                acknowledged = min(now, opened + timedelta(minutes=rng.uniform(2, 25)))
            due = targets.due_at(tier, opened, self.targets)
            met = None
            if tier == Tier.EMERGENCY:
                met = acknowledged
            elif status != S.NEW:
                # Most are contacted in time; some late, as in real life.
                met = min(now, opened + (due - opened) * rng.uniform(0.1, 1.3))
            case = Case(
                patient=patient,
                source=source,
                target_due_at=due,
                target_met_at=met,
                status=status,
                computed_urgency=tier,
                urgency=tier,
                screen_incomplete=assessment.screen_incomplete,
                acknowledged_at=acknowledged,
                acknowledged_by=self.practitioner if acknowledged else None,
                opened_at=opened,
                updated_at=min(now, opened + timedelta(days=rng.uniform(0, 60))),
            )
            enquiry = Enquiry(
                patient=patient,
                case=case,
                source=source,
                reason="" if source == WEB else rng.choice(REASONS),
                logged_by=staff_user,
                created_at=opened,
            )
            consent = rng.random() < 0.6
            response = IntakeResponse.judged(
                assessment,
                answers=raw,
                on=on,
                case=case,
                enquiry=enquiry,
                entered_by=staff_user,
                consent_followup=consent,
                consent_wording=CONSENT_WORDING if consent else "",
                submitted_at=opened,
            )
            patients.append(patient)
            cases.append(case)
            enquiries.append(enquiry)
            responses.append(response)
            flags.extend(Flag.fired(response, flag) for flag in assessment.flags)
        return patients, cases, enquiries, responses, flags


def add_cases(count: int, seed: int, staff: dict, progress) -> tuple[CaseMaker, float]:
    """Insert `count` generated cases in batches, each batch in its own transaction. No alerts."""
    started = time.monotonic()
    maker = CaseMaker(random.Random(seed), count, timezone.now(), staff)
    with own_timestamps():
        for first in range(0, count, BATCH_SIZE):
            stop = min(count, first + BATCH_SIZE)
            patients, cases, enquiries, responses, flags = maker.build(first, stop)
            with transaction.atomic():
                # Each bulk_create sets the ids that the next one's foreign keys read.
                Patient.objects.bulk_create(patients)
                Case.objects.bulk_create(cases)
                Enquiry.objects.bulk_create(enquiries)
                IntakeResponse.objects.bulk_create(responses)
                Flag.objects.bulk_create(flags)
            progress(stop, time.monotonic() - started)
    return maker, time.monotonic() - started


# --- The command ---------------------------------------------------------------------------------


class Command(BaseCommand):
    help = (
        "Create demo staff logins (password: $DEMO_PASSWORD, or one generated and kept in "
        "var/demo-password) and demo patients across every urgency tier; with --cases N, add N "
        "generated cases in bulk. Refuses to run under the production settings."
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
            help="run even under the production settings (creates known logins: be sure)",
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
            cases = positive_count(options["cases"]) if options["cases"] is not None else 0
            due = options["followups_due"]
            due = positive_count(due, "--followups-due") if due is not None else 0
            seed = seed_value(options["seed"])
        except UsageError as error:
            self.stderr.write(str(error))
            raise SystemExit(USAGE_ERROR) from None
        # The environment, not settings.SETTINGS_MODULE, which is None under override_settings.
        production = os.environ.get("DJANGO_SETTINGS_MODULE", "").endswith(".production")
        if production and not options["force"]:
            raise CommandError(
                "No default accounts in production: seed_demo creates staff logins with a "
                "known password. Use --force only on a throwaway deployment."
            )

        staff = self.seed_staff()
        self.seed_demo_patients(staff)
        if options["demo_followups"]:
            self.seed_demo_followups()
        if cases:
            self.seed_cases(cases, seed, staff)
        if due:
            self.seed_followups_due(due)

    def seed_staff(self) -> dict:
        password, where = demo_password()
        User = get_user_model()
        staff = {}
        for account in STAFF:
            try:
                group = Group.objects.get(name=account.role)
            except Group.DoesNotExist:
                raise CommandError(f"No {account.role!r} group: run migrate first.") from None
            user, _ = User.objects.get_or_create(
                username=account.username, defaults={"email": account.email}
            )
            if user.email != account.email:
                # Someone's own account (say a superuser called admin): never reset its password.
                self.stderr.write(
                    f"User {account.username!r} exists and is not a demo account "
                    f"(email {user.email!r}): left unchanged."
                )
                continue
            user.first_name, user.last_name = account.first_name, account.last_name
            user.is_active = True
            user.set_password(password)
            user.save(update_fields=["first_name", "last_name", "is_active", "password"])
            user.groups.add(group)
            staff[account.username] = user
        if "practitioner" in staff:
            StaffProfile.objects.update_or_create(
                user=staff["practitioner"], defaults={"on_duty": True}
            )
        if staff:
            self.stdout.write(f"Demo logins (password: {password}): {' / '.join(staff)}")
            self.stdout.write(f"  (password {where})")
        return staff

    def seed_demo_patients(self, staff: dict):
        if Patient.objects.filter(email__in=DEMO_EMAILS).exists():
            self.stdout.write("Demo patients: already there.")
            return
        cases = record_demo_patients(staff, timezone.localdate())
        tiers = Counter(case.tier.key for case in cases)
        mix = ", ".join(f"{tiers[tier]} {tier}" for tier in rules.TIERS)
        self.stdout.write(f"Demo patients: {len(cases)} recorded ({mix}).")

    def seed_demo_followups(self):
        """A few recovered patients whose first follow-up is due, once: the worker sends them at
        the next beat, so `make run` shows the follow-up email in the console too."""
        if FollowUp.objects.exists():
            return
        create_due(DEMO_FOLLOWUPS_DUE)
        self.stdout.write(
            f"Demo follow-ups: {DEMO_FOLLOWUPS_DUE} recovered patients with a follow-up due now."
        )

    def seed_followups_due(self, count: int):
        started = time.monotonic()
        create_due(count, lambda done: self.stderr.write(f"  {done:,} / {count:,} recovered"))
        self.stdout.write(
            f"Added {count:,} recovered patients with a follow-up due now "
            f"in {time.monotonic() - started:.1f} s."
        )

    def seed_cases(self, count: int, seed: int, staff: dict):
        def progress(done, seconds):
            self.stderr.write(f"  {done:,} / {count:,} cases ({seconds:.1f} s)")

        maker, seconds = add_cases(count, seed, staff, progress)
        mix = ", ".join(f"{maker.tiers[Tier.of(tier)]:,} {tier}" for tier in rules.TIERS)
        self.stdout.write(
            f"Added {count:,} cases in {seconds:.1f} s ({mix}; "
            f"{maker.incomplete:,} screen incomplete)."
        )
