"""What staff narrow the triage queue by: tier, status, assignee, source, dates and a search.

All of it travels in the query string, so a filtered queue can be bookmarked, except the search
text: names, emails and phone numbers stay out of URLs (intake/search.py), and the URL carries
an opaque token for them. A value that does not parse is shown as an error beside its filter
and left out; it never costs a 500.
"""

import datetime
import re
from urllib.parse import urlencode

import django_filters
from django import forms
from django.utils import timezone

from clinic.text import LineField

from . import search
from .matching import phone_digits
from .models import Case, Enquiry, Tier

OPEN_STATUSES = [str(status) for status in Case.OPEN_STATUSES]
CHECKBOXES = forms.CheckboxSelectMultiple({"class": "form-check-input"})
SELECT = forms.Select({"class": "form-select form-select-sm"})
DATE = forms.DateInput({"type": "date", "class": "form-control form-control-sm"}, format="%Y-%m-%d")
ASSIGNED_CHOICES = [("anyone", "Anyone"), ("me", "Me"), ("unassigned", "Nobody")]
# Spaces, brackets, dashes and a leading + are how people write phone numbers.
PHONE_LIKE = re.compile(r"[\d\s()+.-]+")


def search_terms(text: str) -> list[str]:
    """The search as stored in Patient.search_text: casefolded words, or one phone number's
    digits (so "+44 7700 900123" finds 07700900123)."""
    text = text.strip()
    if PHONE_LIKE.fullmatch(text):
        digits = phone_digits(text)
        return [digits] if digits else []
    return [word.casefold() for word in text.split()]


def start_of(day: datetime.date) -> datetime.datetime:
    """Midnight at the clinic, so a date range compares the indexed column itself."""
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time.min))


class SearchFilter(django_filters.CharFilter):
    field_class = LineField


class CaseFilter(django_filters.FilterSet):
    tier = django_filters.TypedMultipleChoiceFilter(
        choices=Tier.choices, coerce=int, method="filter_tier", widget=CHECKBOXES
    )
    # distinct=False: no join here can repeat a case, and DISTINCT would defeat the index order.
    status = django_filters.MultipleChoiceFilter(
        choices=Case.Status.choices, distinct=False, widget=CHECKBOXES
    )
    assigned = django_filters.ChoiceFilter(
        choices=ASSIGNED_CHOICES,
        method="filter_assigned",
        empty_label=None,
        label="Assigned to",
        widget=SELECT,
    )
    source = django_filters.ChoiceFilter(
        choices=Enquiry.Source.choices, empty_label="Any source", widget=SELECT
    )
    opened_from = django_filters.DateFilter(
        method="filter_opened_from", label="Opened from", widget=DATE
    )
    opened_to = django_filters.DateFilter(method="filter_opened_to", label="Opened to", widget=DATE)
    q = SearchFilter(
        method="filter_search",
        max_length=100,
        label="Search",
        widget=forms.TextInput(
            {"class": "form-control form-control-sm", "placeholder": "Name, email or phone"}
        ),
    )

    class Meta:
        model = Case
        fields = []

    def filter_tier(self, queryset, name, value):
        # The same cases as urgency__in, asked of queue_rank (urgency + 1; 0 for an emergency
        # nobody has acknowledged), the column the queue's indexes start with.
        ranks = {tier + 1 for tier in value} | ({0} if Tier.EMERGENCY in value else set())
        return queryset.filter(queue_rank__in=sorted(ranks))

    def filter_assigned(self, queryset, name, value):
        if value == "me":
            return queryset.filter(assigned_to=self.request.user)
        if value == "unassigned":
            return queryset.filter(assigned_to__isnull=True)
        return queryset

    def filter_opened_from(self, queryset, name, value):
        return queryset.filter(opened_at__gte=start_of(value))

    def filter_opened_to(self, queryset, name, value):
        if value >= datetime.date.max:
            return queryset  # the last day there is: no day after it to stop before
        return queryset.filter(opened_at__lt=start_of(value + datetime.timedelta(days=1)))

    def filter_search(self, queryset, name, value):
        # `contains` on the casefolded column, not `icontains`: the trigram index serves LIKE.
        for term in search_terms(value):
            queryset = queryset.filter(patient__search_text__contains=term)
        return queryset


SEARCH_EXPIRED = "That search has expired: search again."
SEARCH_NOT_IN_ADDRESS = (
    "Search with the box above: what you search for is never put in a page address."
)

# The filters the search form carries into the queue's URL, all but the search text itself.
URL_FILTERS = ("tier", "status", "assigned", "source", "opened_from", "opened_to")


def case_filter(request) -> CaseFilter:
    """The queue's filters from the query string; no status given means the open ones.

    The search text comes from the cache by its `search` token (intake/search.py), never from
    the URL; `search_notice` says why a search was not applied."""
    data = request.GET.copy()
    data.pop("after", None)
    notice = SEARCH_NOT_IN_ADDRESS if data.pop("q", None) else None
    token = data.pop("search", [""])[-1]
    if token:
        text = search.recall(request.user, token)
        if text is None:
            notice = SEARCH_EXPIRED
        else:
            data["q"] = text
    if not data.getlist("status"):
        data.setlist("status", OPEN_STATUSES)
    filterset = CaseFilter(data, queryset=Case.objects.all(), request=request)
    filterset.form.is_valid()  # fills in the errors shown beside each filter
    filterset.search_notice = notice
    # The filter form prints the same for the same values, so intake/queue.html keeps it
    # rendered under them; never while a search is shown: its text goes in no cache.
    filterset.cache_key = None if token else urlencode(sorted(data.lists()), doseq=True)
    return filterset
