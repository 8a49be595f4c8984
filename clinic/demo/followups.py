"""Recovered demo patients whose first follow-up is due now (`seed_demo --followups-due N`,
and three of them for `make run`), through the same bulk path as generated cases."""

import datetime
import secrets
from collections.abc import Callable

from django.utils import timezone

from followup import emails
from followup.models import FollowUp, FollowUpPlan
from followup.plan import SCHEDULED, due_times
from intake import rules
from intake.forms import CONSENT_WORDING
from intake.models import Case, CaseEvent, Enquiry, IntakeResponse, Patient, Tier

from . import bulk

BATCH_SIZE = 2000
FIRST_NAMES = ("Ada", "Ben", "Cleo", "Dev", "Edie", "Finn", "Gita", "Hal", "Isla", "Jon")
# Every red-flag fact "no", no pain now: a routine case that has recovered.
ANSWERS = rules.all_no(date_of_birth="1980-07-14", pain_score=0, pain_duration_weeks=2)


def batches(count: int):
    """Batches of recovered patients (distinct addresses, consent given), each case with the
    clinic's whole plan, its first step due now, and the timeline lines a recovery leaves."""
    now = timezone.now()
    plan = FollowUpPlan.current()
    recovered_at = now - datetime.timedelta(days=plan.steps[0])
    opened_at = recovered_at - datetime.timedelta(days=30)
    dues = [now, *due_times(recovered_at, plan.steps)[1:]]
    assessment = rules.assess(ANSWERS, timezone.localdate(opened_at))
    token = secrets.token_hex(3)  # reruns add new addresses rather than colliding
    for first in range(0, count, BATCH_SIZE):
        batch = bulk.Batch()
        for index in range(first, min(count, first + BATCH_SIZE)):
            name = FIRST_NAMES[index % len(FIRST_NAMES)]
            patient = Patient(
                first_name=name,
                last_name="Recovered",
                email=f"{name}.recovered.{token}.{index}@example.test".lower(),
                created_at=opened_at,
            )
            patient.search_text = patient.make_search_text()
            case = Case(
                patient=patient,
                status=Case.Status.RECOVERED,
                computed_urgency=Tier.ROUTINE,
                urgency=Tier.ROUTINE,
                opened_at=opened_at,
                updated_at=recovered_at,
                recovered_at=recovered_at,
            )
            enquiry = Enquiry(
                patient=patient, case=case, source=Enquiry.Source.WEB, created_at=opened_at
            )
            batch.patients.append(patient)
            batch.cases.append(case)
            batch.enquiries.append(enquiry)
            batch.responses.append(
                IntakeResponse.judged(
                    assessment,
                    answers=ANSWERS,
                    on=timezone.localdate(opened_at),
                    case=case,
                    enquiry=enquiry,
                    consent_followup=True,
                    consent_wording=CONSENT_WORDING,
                    submitted_at=opened_at,
                )
            )
            for step, due in enumerate(dues, start=1):
                email = emails.new_email(case, step, due)
                batch.emails.append(email)
                batch.followups.append(FollowUp(case=case, step=step, due_at=due, email=email))
            # The timeline of a recovery, as a practitioner's status change leaves it, then the
            # plan's line.
            batch.events += [
                CaseEvent(
                    case=case,
                    kind=CaseEvent.Kind.STATUS,
                    at=recovered_at,
                    data={"from": Case.Status.IN_TREATMENT, "to": Case.Status.RECOVERED},
                ),
                CaseEvent(
                    case=case,
                    kind=CaseEvent.Kind.FOLLOWUP,
                    data={"status": SCHEDULED, "steps": list(range(1, len(dues) + 1))},
                ),
            ]
        yield batch


def create_due(count: int, progress: Callable | None = None, analysed=None) -> int:
    """Insert `count` recovered patients with a follow-up due now; no signals, no mail (the
    outbox's next pass sends them). How many."""
    done, _ = bulk.load(batches(count), progress, analysed)
    return done
