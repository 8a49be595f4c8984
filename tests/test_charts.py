"""The inline SVG charts: valid SVG, labelled, escaped, and drawn to scale."""

import xml.etree.ElementTree as ET

import pytest

from clinic import charts

SVG = "{http://www.w3.org/2000/svg}"


def parse(svg):
    return ET.fromstring(str(svg))  # noqa: S314 (our own output, under test)


def texts(root):
    return [t.text for t in root.iter(f"{SVG}text")]


@pytest.mark.parametrize(
    ("top", "step"),
    [(0, 1), (3, 1), (5, 1), (7, 2), (12, 5), (40, 10), (99, 20), (230, 50), (4321, 1000)],
)
def test_steps_are_round_numbers(top, step):
    assert charts.nice_step(top) == step


def columns(**changes):
    kwargs = {
        "categories": ["2 Mar", "9 Mar"],
        "series": [
            charts.Series("Emergency", "#b00020", (1, 0)),
            charts.Series("Routine", "#6c757d", (3, 4)),
        ],
        "title": "Enquiries per week",
        "x_title": "Week starting",
        "y_title": "Enquiries",
    }
    return charts.stacked_columns("c", **{**kwargs, **changes})


def test_columns_have_a_title_axis_labels_and_a_legend():
    root = parse(columns())
    assert root.get("role") == "img"
    assert root.find(f"{SVG}title").text == "Enquiries per week"
    labels = texts(root)
    for label in ("Week starting", "Enquiries", "Emergency (1)", "Routine (7)", "2 Mar", "9 Mar"):
        assert label in labels
    assert "Enquiries by week starting: 2 Mar: 4; 9 Mar: 4" in root.find(f"{SVG}desc").text


def test_each_nonzero_value_is_a_stacked_rect_with_its_figure():
    root = parse(columns())
    bars = [r for r in root.iter(f"{SVG}rect") if r.find(f"{SVG}title") is not None]
    assert [r.find(f"{SVG}title").text for r in bars] == [
        "2 Mar: 1 emergency",
        "2 Mar: 3 routine",
        "9 Mar: 4 routine",
    ]
    emergency, routine, _ = bars
    # Stacked: routine sits on top of emergency, three times as tall.
    assert float(routine.get("y")) + float(routine.get("height")) == pytest.approx(
        float(emergency.get("y"))
    )
    assert float(routine.get("height")) == pytest.approx(3 * float(emergency.get("height")))


def test_labels_are_escaped():
    svg = str(columns(categories=["<script>", "b&c"]))
    assert "<script>" not in svg
    assert "&lt;script&gt;" in svg
    parse(svg)


def test_an_empty_chart_says_so():
    empty = [charts.Series("Routine", "#6c757d", (0, 0))]
    assert "No data for this period" in texts(parse(columns(series=empty)))


def test_horizontal_bars_are_drawn_to_scale_with_their_text():
    root = parse(
        charts.horizontal_bars(
            "h",
            [
                charts.Bar("Urgent", 50, "#bf360c", "50% met"),
                charts.Bar("Soon", 100, "#1565c0"),
            ],
            title="Targets met",
            x_title="Met (%)",
            max_value=100,
            unit="%",
        )
    )
    urgent, soon = [r for r in root.iter(f"{SVG}rect")]
    assert float(soon.get("width")) == pytest.approx(2 * float(urgent.get("width")))
    labels = texts(root)
    for label in ("Urgent", "Soon", "50% met", "100%", "0%", "Met (%)"):
        assert label in labels
    assert urgent.get("fill") == "#bf360c"
