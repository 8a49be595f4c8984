"""Generated test data: staff users of each role and questionnaire answers. No real people."""

import datetime

import factory
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group

from clinic import roles
from clinic.models import OutgoingEmail
from intake import rules
from intake.models import StaffProfile

PASSWORD = "correct-horse-battery-staple"

# Every red-flag fact answered "no", a 35-year-old, pain for 2 weeks: routine, screen complete.
ROUTINE_ANSWERS = rules.all_no(
    date_of_birth=datetime.date(1990, 6, 15), pain_score=5, pain_duration_weeks=2
)


def answers(**changes):
    return {**ROUTINE_ANSWERS, **changes}


def form_data(contact=None, **changes):
    """The POST body of the public form for these answers (yes/no as "yes"/"no")."""
    data = {
        "first_name": "Alex",
        "last_name": "Example",
        "email": "alex.example@example.test",
        "phone": "07700 900123",
    }
    data.update(contact or {})
    for qid, value in answers(**changes).items():
        if value is None:
            continue
        if isinstance(value, bool):
            value = "yes" if value else "no"
        elif isinstance(value, datetime.date):
            value = value.isoformat()
        data[qid] = str(value)
    return data


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"staff{n}")
    email = factory.LazyAttribute(lambda u: f"{u.username}@clinic.example.test")
    password = factory.PostGenerationMethodCall("set_password", PASSWORD)

    @factory.post_generation
    def role(self, create, extracted, **kwargs):
        if extracted:
            self.groups.add(Group.objects.get(name=extracted))
        self.save()

    @factory.post_generation
    def on_duty(self, create, extracted, **kwargs):
        if extracted is not None:
            StaffProfile.objects.update_or_create(user=self, defaults={"on_duty": extracted})


def staff(role, **kwargs):
    return UserFactory(role=role, **kwargs)


def alert_emails():
    """The outbox rows of safety alerts."""
    return OutgoingEmail.objects.filter(kind=OutgoingEmail.Kind.ALERT)


__all__ = [
    "PASSWORD",
    "ROUTINE_ANSWERS",
    "UserFactory",
    "alert_emails",
    "answers",
    "form_data",
    "roles",
    "staff",
]
