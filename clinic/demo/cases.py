"""Generated cases in bulk (`seed_demo --cases N`): invented patients with answers judged by the
real rules, over the last eighteen months, in a plausible mix of tiers and statuses."""

import random
import secrets
from collections import Counter
from collections.abc import Callable
from datetime import date, datetime, timedelta

from django.utils import timezone

from intake import rules, targets
from intake.forms import CONSENT_WORDING
from intake.matching import phone_digits
from intake.models import Case, Enquiry, Flag, IntakeResponse, Patient, Tier, TriageTargets

from . import bulk
from .patients import EMAIL, PHONE, WALK_IN, WEB

BATCH_SIZE = 2000
HISTORY_DAYS = 548  # about 18 months of generated cases

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
PAIN_SCORE_WEIGHTS = (1, 2, 4, 6, 8, 9, 9, 8, 6, 3, 2)  # 0..10
S = Case.Status


def random_answers(rng: random.Random, on: date) -> dict:
    """Answers as the form stores them (JSON); the tier mix is chosen, the rules then judge it.

    About 0.6% are built to be emergencies, 4% urgent, 35% soon; the rest are routine unless
    chance (a first episode over 50, say) fires a rule, as it does in real life.
    """
    age = int(rng.triangular(16, 90, 42))
    a = rules.all_no(
        first_episode=rng.random() < 0.3,
        pain_score=rng.choices(range(11), PAIN_SCORE_WEIGHTS)[0],
        pain_duration_weeks=rng.randrange(13, 105) if rng.random() < 0.2 else rng.randrange(13),
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

    def build(self, first: int, stop: int) -> bulk.Batch:
        rng, now = self.rng, self.now
        batch = bulk.Batch()
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
            # A generated "recovered" case has no recovery time (nor timeline): the came-back
            # figure counts the recoveries staff record and the follow-up demo's.
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
                target_started_at=opened,
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
            batch.patients.append(patient)
            batch.cases.append(case)
            batch.enquiries.append(enquiry)
            batch.responses.append(response)
            batch.flags.extend(Flag.fired(response, flag) for flag in assessment.flags)
        return batch

    def batches(self, count: int):
        for first in range(0, count, BATCH_SIZE):
            yield self.build(first, min(count, first + BATCH_SIZE))


def add_cases(
    count: int, seed: int, staff: dict, progress: Callable | None = None, analysed=None
) -> tuple[CaseMaker, float]:
    """Insert `count` generated cases through the bulk path (no alerts); the maker (its tier
    mix) and the seconds taken, ANALYZE included."""
    maker = CaseMaker(random.Random(seed), count, timezone.now(), staff)
    _, seconds = bulk.load(maker.batches(count), progress, analysed)
    return maker, seconds
