"""Signed links in follow-up emails: no login, nothing about the patient readable in the URL.

Both tokens sign a follow-up's id; the salts keep a check-in token from unsubscribing and the
other way round. A check-in link expires; an unsubscribe link works for as long as the key does.
"""

import datetime

from django.conf import settings
from django.core import signing
from django.urls import reverse

from .models import FollowUp

CHECKIN_SALT = "followup.checkin"
CHECKIN_MAX_AGE = datetime.timedelta(days=60)
UNSUBSCRIBE_SALT = "followup.unsubscribe"


def checkin_token(followup_id: int) -> str:
    return signing.dumps(followup_id, salt=CHECKIN_SALT)


def unsubscribe_token(followup_id: int) -> str:
    return signing.dumps(followup_id, salt=UNSUBSCRIBE_SALT)


def _load(token, salt, max_age=None) -> FollowUp | None:
    try:
        followup_id = signing.loads(token, salt=salt, max_age=max_age)
    except signing.BadSignature:  # tampered, expired (SignatureExpired), or not a token at all
        return None
    if type(followup_id) is not int:
        return None
    # An erased patient's links lead nowhere: nothing may be recorded about them again.
    live = FollowUp.objects.filter(pk=followup_id, case__patient__erased_at__isnull=True)
    return live.select_related("case").first()


def followup_from_checkin(token: str) -> FollowUp | None:
    """The follow-up a check-in link was sent with; None if the link is expired or not ours."""
    return _load(token, CHECKIN_SALT, CHECKIN_MAX_AGE)


def followup_from_unsubscribe(token: str) -> FollowUp | None:
    return _load(token, UNSUBSCRIBE_SALT)


def checkin_url(followup_id: int) -> str:
    return settings.SITE_URL + reverse("followup_checkin", args=[checkin_token(followup_id)])


def unsubscribe_url(followup_id: int) -> str:
    return settings.SITE_URL + reverse(
        "followup_unsubscribe", args=[unsubscribe_token(followup_id)]
    )
