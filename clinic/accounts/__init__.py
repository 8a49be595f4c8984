"""Staff accounts: sign-in (django-allauth), second factor, throttling, sessions, audit."""
