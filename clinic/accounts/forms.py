"""Forms of the clinic admins' staff page."""

from django import forms
from django.contrib.auth import get_user_model

from clinic.text import LineField

from . import services

ROLE_FIELD_CHOICES = [
    ("reception", "Reception"),
    ("practitioner", "Practitioner"),
    ("admin", "Clinic admin"),
]


class NewStaffForm(forms.Form):
    username = LineField(max_length=150, help_text="Letters, digits and @ . + - _ only.")
    first_name = LineField(max_length=150, required=False)
    last_name = LineField(max_length=150, required=False)
    email = forms.EmailField(required=False, help_text="Alerts go to this address.")
    role = forms.ChoiceField(choices=ROLE_FIELD_CHOICES, widget=forms.RadioSelect)

    def clean_username(self):
        username = self.cleaned_data["username"].strip().lower()
        if get_user_model().objects.filter(username__iexact=username).exists():
            raise forms.ValidationError("There is already an account with this username.")
        return username

    def create(self, *, actor, request):
        """The account and its one-time password; StaffError lands on the form."""
        data = self.cleaned_data
        try:
            return services.create_staff(
                data["username"],
                data["role"],
                email=data["email"],
                first_name=data["first_name"],
                last_name=data["last_name"],
                actor=actor,
                request=request,
            )
        except services.StaffError as error:
            self.add_error("username", str(error))
            return None


class RoleForm(forms.Form):
    role = forms.ChoiceField(choices=ROLE_FIELD_CHOICES, widget=forms.RadioSelect)
