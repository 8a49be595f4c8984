"""How django-allauth behaves for the clinic's staff: nobody signs up, a lockout is audited,
addresses come from the same place as the audit's, a required second factor stays."""

from allauth.account.adapter import DefaultAccountAdapter
from allauth.mfa.adapter import DefaultMFAAdapter
from allauth.mfa.models import Authenticator
from django.conf import settings
from django.core.exceptions import ValidationError

from clinic import audit, roles

from . import services


class StaffAccountAdapter(DefaultAccountAdapter):
    def __init__(self, request=None):
        super().__init__(request)
        self.error_messages = {
            **self.error_messages,
            # The same words for a wrong password and for a name nobody has.
            "username_password_mismatch": "Wrong username or password.",
            "too_many_login_attempts": (
                "Too many failed sign-ins for this username or from this address. Wait "
                f"{settings.SIGNIN_LOCKOUT_MINUTES} minutes, or ask a clinic admin to unlock it."
            ),
        }

    def is_open_for_signup(self, request):
        return False  # a clinic admin creates staff accounts (create_staff, /staff/accounts/)

    def get_login_redirect_url(self, request):
        # Each role lands on its work, not on a list of links (a `next` still wins).
        return roles.landing_url(request.user)

    def get_client_ip(self, request):
        # One answer for the rate limits, the audit and the sessions list. Django's test
        # client's force_login has no address; the sessions list needs one.
        return audit.client_ip(request) or "0.0.0.0"  # noqa: S104 (an address, not a bind)

    def _get_login_attempts_cache_key(self, request, **credentials):
        # allauth counts per "host:username"; the Host header is the client's to choose, so a
        # guesser could start a fresh count with each port. Count per name typed only.
        return services.account_key(credentials.get("username", ""))

    def pre_authenticate(self, request, **credentials):
        try:
            super().pre_authenticate(request, **credentials)
        except ValidationError:
            services.record_lockout(request, credentials.get("username", ""))
            raise

    def authentication_failed(self, request, **credentials):
        services.record_failed_sign_in(request, credentials.get("username", ""))


class StaffMFAAdapter(DefaultMFAAdapter):
    error_messages = {
        **DefaultMFAAdapter.error_messages,
        "cannot_delete_authenticator": (
            "Your role needs a second factor: add another authenticator app or passkey "
            "before you remove this one."
        ),
    }

    def get_totp_label(self, user):
        return user.get_username()

    def can_delete_authenticator(self, authenticator):
        if authenticator.type == Authenticator.Type.RECOVERY_CODES:
            return True
        user = authenticator.user
        if not services.second_factor_required(user):
            return True
        others = Authenticator.objects.filter(user=user, type__in=services.SECOND_FACTORS).exclude(
            pk=authenticator.pk
        )
        return others.exists()
