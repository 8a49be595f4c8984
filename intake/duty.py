"""The duty rota: which practitioners and clinic admins get the emergency and urgent alerts.

The rota decides who hears about an emergency, so a change to it is all or nothing (one
transaction) and each person put on or taken off duty leaves an audit row naming who did it.
"""

from django.contrib.auth import get_user_model
from django.db import transaction

from clinic import audit, roles

from .models import StaffProfile

ON = "on duty"
OFF = "off duty"


class DutyRotaError(ValueError):
    """The rota names someone who cannot be on duty; nothing was changed."""


def on_duty_ids() -> set[int]:
    """The clinical staff on duty now."""
    return set(
        StaffProfile.objects.filter(on_duty=True, user__in=roles.clinical_staff()).values_list(
            "user_id", flat=True
        )
    )


def set_rota(on_duty, *, actor, ip=None) -> tuple[list[int], list[int]]:
    """Put exactly the clinical staff with these ids on duty and every other one off.

    One transaction, with the staff's accounts locked so two admins saving at once do not mix
    their rotas; an audit row per person whose duty changed ("on duty" / "off duty", the
    object the staff member). Raises DutyRotaError, changing nothing, for an id that is not an
    active practitioner or clinic admin. Returns (put on duty, taken off duty), ids in order.
    """
    try:
        wanted = {int(pk) for pk in on_duty}
    except (TypeError, ValueError):
        raise DutyRotaError("Staff on duty are named by their account numbers.") from None
    with transaction.atomic():
        staff_ids = set(roles.clinical_staff().values_list("pk", flat=True))
        # Lock the staff's accounts (their profiles may not exist yet): a second admin saving
        # at the same moment waits, then starts from this rota.
        list(get_user_model().objects.select_for_update().filter(pk__in=staff_ids).values("pk"))
        if unknown := wanted - staff_ids:
            raise DutyRotaError(
                "Only active practitioners and clinic admins can be on duty "
                f"(not account {', '.join(map(str, sorted(unknown)))})."
            )
        profiles = {
            profile.user_id: profile for profile in StaffProfile.objects.filter(user__in=staff_ids)
        }
        was_on = {pk for pk, profile in profiles.items() if profile.on_duty}
        put_on, taken_off = sorted(wanted - was_on), sorted((was_on & staff_ids) - wanted)
        for user_id in [*put_on, *taken_off]:
            profile = profiles.get(user_id) or StaffProfile(user_id=user_id)
            profile.on_duty = user_id in wanted
            profile.save()
        for user_id in put_on:
            audit.change(actor, "duty", user_id, ON, ip)
        for user_id in taken_off:
            audit.change(actor, "duty", user_id, OFF, ip)
    return put_on, taken_off
