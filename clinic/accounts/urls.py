"""Account URLs: the parts of django-allauth the clinic uses, and nothing else.

No sign-up, no emailed password reset, no email management: a clinic admin creates accounts
and sets colleagues' passwords (`/staff/accounts/`).
"""

from allauth.account import views as allauth_views
from django.urls import include, path

from . import views

# Mounted at /accounts/ (clinic/accounts/middleware.py's ACCOUNT_PATHS).
account_urls = [
    path("", views.account_security, name="account_security"),
    path("login/", allauth_views.login, name="account_login"),
    path("logout/", allauth_views.logout, name="account_logout"),
    path("inactive/", allauth_views.account_inactive, name="account_inactive"),
    path("reauthenticate/", allauth_views.reauthenticate, name="account_reauthenticate"),
    path("password/change/", allauth_views.password_change, name="account_change_password"),
    path("password/set/", allauth_views.password_set, name="account_set_password"),
    path("sign-out-everywhere/", views.sign_out_everywhere, name="sign_out_everywhere"),
    path("2fa/", include("allauth.mfa.urls")),
]

# Mounted at /staff/accounts/: clinic admins only.
staff_urls = [
    path("", views.staff_accounts, name="staff_accounts"),
    path("new/", views.staff_account_new, name="staff_account_new"),
    path("addresses/unlock/", views.unlock_address, name="staff_unlock_address"),
    path("<int:pk>/", views.staff_account, name="staff_account"),
    path("<int:pk>/<slug:action>/", views.staff_account_action, name="staff_account_action"),
]
