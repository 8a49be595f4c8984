"""Template helpers for the staff's case page: a stored code read out as its label."""

from django import template

register = template.Library()


@register.filter
def label_in(code, labels):
    """`{{ event.data.to|label_in:status_labels }}`: the label for a stored code, the code
    itself only if the labels do not know it (an old row), never an empty gap."""
    if code is None or code == "":
        return ""
    return labels.get(code, code)
