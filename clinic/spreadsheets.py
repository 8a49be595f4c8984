"""What goes into a CSV file staff open in a spreadsheet."""

# A cell starting with one of these runs as a formula in a spreadsheet (CSV injection), and
# patients type names, emails and phone numbers.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def spreadsheet_cell(value) -> str:
    """`value` as text a spreadsheet shows as text, never runs as a formula."""
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(FORMULA_STARTS) else text
