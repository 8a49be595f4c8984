"""Where other apps add to intake's case and patient pages without intake knowing them.

An app (follow-up, say) registers a panel template, rendered in the case page's side column
with the case page's context, and templates for the timeline events of the kinds it writes; and
a panel for the patient page, with the relations of each case it reads (prefetched once, so the
panel costs a query per relation, not per case). Registration happens in the app's
AppConfig.ready(), so intake never imports it.
"""

CASE_PANELS: list[str] = []
EVENT_TEMPLATES: dict[str, str] = {}
PATIENT_PANELS: list[str] = []
PATIENT_PREFETCH: list[str] = []


def add_case_panel(template_name: str) -> None:
    if template_name not in CASE_PANELS:
        CASE_PANELS.append(template_name)


def add_event_template(kind: str, template_name: str) -> None:
    EVENT_TEMPLATES[kind] = template_name


def add_patient_panel(template_name: str, prefetch: tuple[str, ...] = ()) -> None:
    """A panel of the patient page; it sees `patient` and `cases` (each with `prefetch`)."""
    if template_name not in PATIENT_PANELS:
        PATIENT_PANELS.append(template_name)
    PATIENT_PREFETCH.extend(name for name in prefetch if name not in PATIENT_PREFETCH)
