"""An emergency answer is acted on whatever else is wrong with the form it came in.

A form can be refused for many reasons: a mistyped email, a question left out, too many
submissions from one address (a whole clinic behind one proxy), a filled-in spam trap (which a
browser's autofill can do). None of them may hide an answer that fires an emergency rule:

- the page's first content is the A&E instruction, whatever the other problems are;
- with a usable phone number or email, what was answered is recorded at once (the rest stays
  unanswered, so the screen is incomplete) and staff are alerted through the usual path;
- the form comes back with its errors and a signed token of that record (a hidden field), so
  that finishing it adds to the same enquiry and case without a second round of alerts;
- with no usable contact nothing can be recorded, but the instruction is still shown first.
"""

import logging
from dataclasses import dataclass

from django.core import signing
from django.db import transaction
from django.utils import timezone

from . import rules
from .forms import CONSENT_WORDING
from .models import Case, CaseEvent, Enquiry, IntakeResponse
from .services import Contact, Recorded, record_enquiry

log = logging.getLogger(__name__)

DRAFT_SALT = "intake.draft"
DRAFT_MAX_AGE = 24 * 60 * 60
DRAFT_FIELD = "draft"

# Why a form was not accepted as it stood, in words for the case's timeline.
REFUSALS = {
    "invalid": "some answers or contact details were missing or not valid",
    "limited": "the address it came from had sent too many forms in the last hour",
    "bot": "the form's hidden spam-trap field was filled in (a browser's autofill can do this)",
}


@dataclass(frozen=True)
class Verdict:
    """What the readable answers of a posted form fire, however many other fields failed."""

    assessment: rules.Assessment | None

    @property
    def emergency(self) -> bool:
        return self.assessment is not None and self.assessment.urgency == "emergency"


def judge_posted(form) -> Verdict:
    """Judge the answers of a bound form that passed their own checks (after is_valid())."""
    try:
        return Verdict(rules.assess(form.readable_answers(), timezone.localdate()))
    except rules.AnswerError:  # cannot happen with cleaned answers; never a 500 if it does
        log.exception("posted answers could not be judged")
        return Verdict(None)


def usable_contact(form) -> Contact | None:
    """The contact details that passed their checks, if they hold a phone number or an email."""
    cleaned = getattr(form, "cleaned_data", {})
    email, phone = cleaned.get("email") or "", cleaned.get("phone") or ""
    if not (email or phone):
        return None
    return Contact(
        first_name=cleaned.get("first_name") or "",
        last_name=cleaned.get("last_name") or "",
        email=email,
        phone=phone,
        date_of_birth=cleaned.get("date_of_birth"),
    )


def draft_token(response: IntakeResponse) -> str:
    return signing.dumps(response.pk, salt=DRAFT_SALT)


def draft_from(data, logged_by=None) -> IntakeResponse | None:
    """The recorded response a form's hidden draft token names, if the token is genuine, recent,
    and was given to this sender (the same member of staff, or the public form)."""
    token = data.get(DRAFT_FIELD)
    if not token:
        return None
    try:
        response_id = signing.loads(token, salt=DRAFT_SALT, max_age=DRAFT_MAX_AGE)
    except signing.BadSignature:
        return None
    if type(response_id) is not int:
        return None
    return (
        IntakeResponse.objects.select_related("case", "enquiry")
        .filter(pk=response_id, enquiry__logged_by=logged_by, case__status__in=Case.OPEN_STATUSES)
        .first()
    )


def record(
    form,
    *,
    source: str,
    refusal: str | None,
    draft: IntakeResponse | None,
    logged_by=None,
    reason: str = "",
    **on_record,
) -> Recorded | None:
    """Record what the form holds now: a new enquiry (alerting as usual) or, with a draft, more
    answers on the draft's enquiry and case (no second alert). None when there is no draft and
    no usable contact. `refusal` says why the form was not accepted as it stood, if it was not.
    `on_record` names the record reception chose (`patient=`, or `completing=` an enquiry).
    """
    contact = usable_contact(form)
    if draft is None and contact is None and not on_record:
        return None
    cleaned = form.cleaned_data
    with transaction.atomic():
        recorded = record_enquiry(
            contact=contact or Contact("", ""),
            source=source,
            reason=reason,
            answers=form.readable_answers(),
            consent_followup=bool(cleaned.get("consent_followup")),
            consent_wording=CONSENT_WORDING if cleaned.get("consent_followup") else "",
            logged_by=logged_by,
            continuing=draft,
            **on_record,
        )
        if refusal is not None:
            CaseEvent.objects.create(
                case=recorded.case,
                kind=CaseEvent.Kind.NOTE,
                actor=logged_by,
                text="Recorded at once because an answer fires an emergency rule, although "
                f"{REFUSALS[refusal]}."
                + ("" if contact and contact.first_name else " The name may be missing."),
            )
    log.info(
        "emergency answer recorded as response %s on case %s (%s)",
        recorded.response.pk,
        recorded.case.pk,
        refusal or "complete",
    )
    return recorded


def source_of(form) -> str:
    """The reception form's source if it was valid; otherwise a phone call, the usual case."""
    return getattr(form, "cleaned_data", {}).get("source") or Enquiry.Source.PHONE
