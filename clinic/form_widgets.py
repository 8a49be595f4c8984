"""A form renderer that prints Django's plainest widget templates in Python.

Django prints every widget through two or three nested templates (input.html with attrs.html,
select.html with select_option.html and attrs.html for each option), and on the triage queue's
filters and the case page's action forms that cost more than the rest of those pages' template
language. QuickWidgets prints these templates in Python, to the byte what Django's own print,
with the same escaping and localization; any other template goes to Django's renderer as usual.
Forms opt in with `default_renderer = QUICK_WIDGETS`.
"""

from html import escape

from django.forms.renderers import DjangoTemplates
from django.template import Context
from django.template.base import render_value_in_context
from django.utils.safestring import SafeData

WIDGETS = "django/forms/widgets/"
# The templates that are no more than {% include "django/forms/widgets/input.html" %}.
INPUTS = {
    WIDGETS + name
    for name in ("input.html", "text.html", "date.html", "hidden.html", "number.html", "email.html")
}
CHECKBOX_OPTION = WIDGETS + "checkbox_option.html"
SELECT = WIDGETS + "select.html"
SELECT_OPTION = WIDGETS + "select_option.html"
TEXTAREA = WIDGETS + "textarea.html"
# Only read: autoescape on, localization and time zones as the settings say.
TEMPLATE_CONTEXT = Context()


def printed(value):
    """{{ value }}: localized and escaped, as the template language prints a variable (for
    plain text that is html.escape, which django.utils.html.escape calls)."""
    if type(value) is str:
        return escape(value)
    return render_value_in_context(value, TEMPLATE_CONTEXT)


def stringformat_s(value):
    """{{ value|stringformat:'s' }}; the filter keeps a safe value safe."""
    text = str(value)  # what "%s" % value gives, a tuple included
    return text if isinstance(value, SafeData) else escape(text)


def attrs_html(attrs):
    """django/forms/widgets/attrs.html"""
    return "".join(
        f" {printed(name)}" if value is True else f' {printed(name)}="{stringformat_s(value)}"'
        for name, value in attrs.items()
        if value is not False
    )


def input_html(widget):
    """django/forms/widgets/input.html"""
    kind, name = printed(widget["type"]), printed(widget["name"])
    attrs = attrs_html(widget["attrs"])
    value = "" if widget["value"] is None else f' value="{stringformat_s(widget["value"])}"'
    return f'<input type="{kind}" name="{name}"{value}{attrs}>'


def option_html(option):
    """django/forms/widgets/select_option.html"""
    value, label = stringformat_s(option["value"]), printed(option["label"])
    return f'<option value="{value}"{attrs_html(option["attrs"])}>{label}</option>\n'


def select_html(widget):
    """django/forms/widgets/select.html, with select_option.html for each option."""
    parts = [f'<select name="{printed(widget["name"])}"{attrs_html(widget["attrs"])}>']
    for group_name, group_choices, _ in widget["optgroups"]:
        if group_name:
            parts.append(f'\n  <optgroup label="{printed(group_name)}">')
        parts.extend(f"\n  {option_html(option)}" for option in group_choices)
        if group_name:
            parts.append("\n  </optgroup>")
    parts.append("\n</select>\n")
    return "".join(parts)


def textarea_html(widget):
    """django/forms/widgets/textarea.html"""
    name, attrs = printed(widget["name"]), attrs_html(widget["attrs"])
    value = printed(widget["value"]) if widget["value"] else ""
    return f'<textarea name="{name}"{attrs}>\n{value}</textarea>'


def printable_select(widget):
    return all(
        option["template_name"] == SELECT_OPTION
        for _, options, _ in widget["optgroups"]
        for option in options
    )


class QuickWidgets(DjangoTemplates):
    def render(self, template_name, context, request=None):
        widget = context.get("widget")
        if template_name in INPUTS:
            html = input_html(widget)
        elif template_name == CHECKBOX_OPTION and not widget.get("wrap_label"):
            html = input_html(widget)  # input_option.html without its label
        elif template_name == SELECT and printable_select(widget):
            html = select_html(widget)
        elif template_name == TEXTAREA:
            html = textarea_html(widget)
        else:
            return super().render(template_name, context, request)
        return html.strip()  # as BaseRenderer.render does


QUICK_WIDGETS = QuickWidgets()
