"""Text people type, made safe to keep: one cleaner for names and free text, used by every form.

What goes, and why:
- Control characters (C0 and C1: BEL, ESC, backspace, DEL...) never belong in a name or a note;
  they garble terminals, logs and CSV exports. A NUL is refused outright, as Django refuses it:
  no person types one, so it means the input is garbage.
- Line breaks (CR, LF, U+2028, U+2029) and tabs in a single-line field (a name, a phone
  number) become a space: a name that spans two lines can forge a line in a log or an email
  header. Free text keeps its line breaks, as "\n".
- Bidirectional embeddings, overrides and isolates (U+202A-U+202E, U+2066-U+2069), the
  invisible direction marks and the zero-width space and byte-order mark. U+202E turns
  "Smith\u202eCSV.exe" into something that reads differently from what is stored; nobody needs
  them to write a name in any script.
- Text is put in Unicode normal form C, so "é" typed as one character or as "e" plus an accent
  is one name, for matching and for search.
The zero-width joiner and non-joiner stay: Persian, Indic scripts and emoji need them.
"""

import unicodedata

from django import forms
from django.core.validators import ProhibitNullCharactersValidator

INVISIBLE = frozenset(
    "\u200b\u200e\u200f\u061c\ufeff"  # zero-width space, LRM, RLM, ALM, byte-order mark
    "\u202a\u202b\u202c\u202d\u202e"  # embeddings and overrides
    "\u2066\u2067\u2068\u2069"  # isolates
)
LINE_BREAKS = frozenset("\r\n\u2028\u2029\x85\x0b\x0c")


def _clean(value: str, multiline: bool) -> str:
    value = unicodedata.normalize("NFC", value)
    if multiline:
        value = value.replace("\r\n", "\n")
    out = []
    for char in value:
        if char in LINE_BREAKS:
            out.append("\n" if multiline else " ")
        elif char == "\t":
            out.append(" ")
        elif char in INVISIBLE or unicodedata.category(char) == "Cc":
            continue
        else:
            out.append(char)
    return "".join(out).strip()


def clean_line(value: str) -> str:
    """A single line of text (a name, a phone number): no control characters, no line breaks."""
    return _clean(value or "", multiline=False)


def clean_text(value: str) -> str:
    """Free text (a note, a reason): no control characters; line breaks kept as "\\n"."""
    return _clean(value or "", multiline=True)


class _CleanedField(forms.CharField):
    cleaner = staticmethod(clean_line)

    def to_python(self, value):
        value = super().to_python(value)
        if "\x00" in value:
            # Refused, not stripped, beside the field: Django's own message for it.
            raise forms.ValidationError(
                ProhibitNullCharactersValidator.message,
                code=ProhibitNullCharactersValidator.code,
            )
        return self.cleaner(value)


class LineField(_CleanedField):
    """A CharField for a single line people type: cleaned by `clean_line`."""


class TextField(_CleanedField):
    """A CharField for free text (a textarea by default): cleaned by `clean_text`."""

    widget = forms.Textarea
    cleaner = staticmethod(clean_text)
