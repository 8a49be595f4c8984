"""A dozen demo patients across every tier, recorded as real enquiries: judged, flagged and
alerted like any other. Names, addresses and numbers are plainly invented (@example.test,
07700 900xxx, the UK range kept for drama)."""

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date

from django.db import transaction
from django.utils import timezone

from intake import rules
from intake.forms import CONSENT_WORDING
from intake.models import Case, Enquiry, Patient
from intake.services import Contact, record_enquiry


def birthday(age: int, on: date) -> date:
    """A date of birth that makes someone `age` on the day `on` (mid-July, never 29 February)."""
    dob = date(on.year - age, 7, 14)
    return dob if dob <= on else date(on.year - age - 1, 7, 14)


def answers(age: int, on: date, **changes) -> dict:
    """Every red-flag fact "no" (not a first episode), pain 6 for 2 weeks; then the changes."""
    return rules.all_no(
        **{"date_of_birth": birthday(age, on), "pain_score": 6, "pain_duration_weeks": 2} | changes
    )


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


def seed_demo_patients(staff: dict, say: Callable[[str], None]) -> None:
    """The demo patients, once: a second run finds them there."""
    if Patient.objects.filter(email__in=DEMO_EMAILS).exists():
        say("Demo patients: already there.")
        return
    cases = record_demo_patients(staff, timezone.localdate())
    tiers = Counter(case.tier.key for case in cases)
    mix = ", ".join(f"{tiers[tier]} {tier}" for tier in rules.TIERS)
    say(f"Demo patients: {len(cases)} recorded ({mix}).")
