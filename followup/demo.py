"""Demo data for follow-ups: recovered patients whose first follow-up is due now (never real)."""

import datetime
import secrets

from django.db import transaction
from django.utils import timezone

from clinic.models import OutgoingEmail
from intake import rules
from intake.forms import CONSENT_WORDING
from intake.models import Case, CaseEvent, Enquiry, IntakeResponse, Patient, Tier

from . import emails
from .models import FollowUp, FollowUpPlan
from .plan import due_times

BATCH_SIZE = 2000
FIRST_NAMES = ("Ada", "Ben", "Cleo", "Dev", "Edie", "Finn", "Gita", "Hal", "Isla", "Jon")
# Every red-flag fact "no", no pain now: a routine case that has recovered.
ANSWERS = {
    "date_of_birth": "1980-07-14",
    "first_episode": False,
    "pain_score": 0,
    "pain_duration_weeks": 2,
    "leg_symptoms": "none",
    "leg_weakness": "none",
    **{q.id: False for q in rules.QUESTIONS if q.kind == "yesno" and q.id != "first_episode"},
}


def create_due(count: int, progress=None) -> int:
    """Insert `count` recovered patients (distinct addresses, consent given) with a full plan
    whose first step is due now; in batches, each in its own transaction. No signals, no mail."""
    now = timezone.now()
    plan = FollowUpPlan.current()
    recovered_at = now - datetime.timedelta(days=plan.steps[0])
    dues = [now, *due_times(recovered_at, plan.steps)[1:]]
    assessment = rules.assess(ANSWERS, timezone.localdate(now))
    token = secrets.token_hex(3)  # reruns add new addresses rather than colliding
    for first in range(0, count, BATCH_SIZE):
        stop = min(count, first + BATCH_SIZE)
        patients, cases, enquiries, responses = [], [], [], []
        for index in range(first, stop):
            name = FIRST_NAMES[index % len(FIRST_NAMES)]
            patient = Patient(
                first_name=name,
                last_name="Recovered",
                email=f"{name}.recovered.{token}.{index}@example.test".lower(),
            )
            patient.search_text = patient.make_search_text()
            case = Case(
                patient=patient,
                status=Case.Status.RECOVERED,
                computed_urgency=Tier.ROUTINE,
                urgency=Tier.ROUTINE,
                opened_at=recovered_at - datetime.timedelta(days=30),
            )
            enquiry = Enquiry(patient=patient, case=case, source=Enquiry.Source.WEB)
            responses.append(
                IntakeResponse.judged(
                    assessment,
                    answers=ANSWERS,
                    on=timezone.localdate(case.opened_at),
                    case=case,
                    enquiry=enquiry,
                    consent_followup=True,
                    consent_wording=CONSENT_WORDING,
                )
            )
            patients.append(patient)
            cases.append(case)
            enquiries.append(enquiry)
        with transaction.atomic():
            # Each bulk_create sets the ids that the next one's foreign keys read.
            Patient.objects.bulk_create(patients)
            Case.objects.bulk_create(cases)
            Enquiry.objects.bulk_create(enquiries)
            IntakeResponse.objects.bulk_create(responses)
            steps = [(case, step, due) for case in cases for step, due in enumerate(dues, start=1)]
            outgoing = OutgoingEmail.objects.bulk_create(
                emails.new_email(case, step, due) for case, step, due in steps
            )
            FollowUp.objects.bulk_create(
                FollowUp(case=case, step=step, due_at=due, email=email)
                for (case, step, due), email in zip(steps, outgoing, strict=True)
            )
            # The recovery itself, as a practitioner's status change would leave it: the
            # follow-ups page counts recoveries from these lines.
            CaseEvent.objects.bulk_create(
                CaseEvent(
                    case=case,
                    kind=CaseEvent.Kind.STATUS,
                    at=recovered_at,
                    data={"from": Case.Status.IN_TREATMENT, "to": Case.Status.RECOVERED},
                )
                for case in cases
            )
            CaseEvent.objects.bulk_create(
                CaseEvent(
                    case=case,
                    kind=CaseEvent.Kind.FOLLOWUP,
                    data={
                        "status": "scheduled",
                        "steps": list(range(1, len(dues) + 1)),
                    },
                )
                for case in cases
            )
        if progress is not None:
            progress(stop)
    return count
