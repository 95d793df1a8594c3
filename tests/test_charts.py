"""amends.analytics.charts: the SVG must parse as XML, escape every caller string and draw what the data says.

Pure functions: no database, no django_db marker.
"""

import re
import xml.etree.ElementTree as ET
from collections.abc import Callable

import pytest

from amends.analytics.charts import bars_svg, control_chart_svg, gap_bars_svg, interval_svg, pareto_svg
from amends.analytics.stats import ChartPoint, ControlChart, ParetoRow, pareto, u_chart

NS = "{http://www.w3.org/2000/svg}"
NASTY = '<script>&"'


def parse(svg: str) -> ET.Element:
    return ET.fromstring(svg)


def with_class(root: ET.Element, tag: str, css_class: str) -> list[ET.Element]:
    return [el for el in root.iter(f"{NS}{tag}") if css_class in el.get("class", "").split()]


def texts(root: ET.Element) -> list[str]:
    return ["".join(el.itertext()) for el in root.iter(f"{NS}text")]


def number(el: ET.Element, attr: str) -> float:
    return float(el.attrib[attr])


def plot_area(root: ET.Element) -> tuple[float, float, float, float]:
    (area,) = with_class(root, "rect", "plot-area")
    x, y = number(area, "x"), number(area, "y")
    return x, y, x + number(area, "width"), y + number(area, "height")


def assert_accessible(root: ET.Element) -> None:
    assert root.tag == f"{NS}svg"
    assert root.get("role") == "img"
    assert root.get("width") == "100%"
    assert root.get("viewBox")
    title_id, desc_id = root.attrib["aria-labelledby"].split()
    title, desc = root.find(f"{NS}title"), root.find(f"{NS}desc")
    assert title is not None and desc is not None
    assert (title.get("id"), desc.get("id")) == (title_id, desc_id)


def pareto_chart(values: dict[str, float]) -> tuple[list[ParetoRow], str]:
    rows = pareto(values)
    svg = pareto_svg(
        rows,
        labels=[row.key for row in rows],
        value_labels=[f"{row.value:g}" for row in rows],
        title="Complaints by cause",
        description="Most complaints come from two causes.",
        cumulative_label="Cumulative share",
    )
    return rows, svg


def chart_with_gap() -> ControlChart:
    chart = u_chart([5, 7, 4, 6, 30, 5, 4, 6], [400, 500, 300, 450, 500, 250, 380, 420])
    points = list(chart.points)
    points[3] = ChartPoint(None, 0, None, None)
    return ControlChart(chart.centre, tuple(points))


def control(chart: ControlChart, labels: list[str] | None = None) -> ET.Element:
    svg = control_chart_svg(
        chart,
        labels=labels if labels is not None else [f"W{i + 1}" for i in range(len(chart.points))],
        title="Complaints per 1,000",
        description="u chart",
        centre_label="Centre",
        limit_label="Limits",
    )
    return parse(svg)


# --------------------------------------------------------------------------- well-formed and accessible

ALL_EMPTY: list[Callable[[], str]] = [
    lambda: pareto_svg([], labels=[], value_labels=[], title="t", description="Nothing yet", cumulative_label="c"),
    lambda: control_chart_svg(
        ControlChart(0.0, ()), labels=[], title="t", description="Nothing yet", centre_label="c", limit_label="l"
    ),
    lambda: bars_svg([], labels=[], value_labels=[], title="t", description="Nothing yet"),
    lambda: gap_bars_svg({}, labels={}, title="t", description="Nothing yet", highlight=None),
    lambda: interval_svg([], title="t", description="Nothing yet"),
]


@pytest.mark.parametrize("render", ALL_EMPTY)
def test_empty_inputs_render_a_small_chart_saying_the_description(render: Callable[[], str]) -> None:
    root = parse(render())
    assert_accessible(root)
    assert "Nothing yet" in texts(root)
    assert not with_class(root, "rect", "bar")


def single_point_charts() -> list[str]:
    rows = pareto({"only": 3})
    return [
        pareto_svg(rows, labels=["Only"], value_labels=["3"], title="t", description="d", cumulative_label="c"),
        control_chart_svg(
            ControlChart(0.01, (ChartPoint(0.01, 100, 0.0, 0.04),)),
            labels=["W1"],
            title="t",
            description="d",
            centre_label="c",
            limit_label="l",
        ),
        bars_svg([0.0], labels=["Zero"], value_labels=["0"], title="t", description="d"),
        gap_bars_svg({"a": 0.0}, labels={"a": "A"}, title="t", description="d", highlight="a"),
        interval_svg([("One", 1.0, 1.0, 1.0)], title="t", description="d", reference=1.0),
    ]


@pytest.mark.parametrize("svg", single_point_charts())
def test_single_point_inputs_are_well_formed_and_accessible(svg: str) -> None:
    root = parse(svg)
    assert_accessible(root)
    assert "nan" not in svg and "inf" not in svg


def test_typical_charts_are_well_formed_and_accessible() -> None:
    _, svg = pareto_chart({"late": 50, "rude": 30, "broken": 10, "other": 5})
    for markup in (
        svg,
        ET.tostring(control(chart_with_gap()), encoding="unicode"),
        bars_svg([3, 2, 1], labels=["a", "b", "c"], value_labels=["3", "2", "1"], title="t", description="d"),
        gap_bars_svg({"a": -1.0, "b": 0.5}, labels={"a": "A", "b": "B"}, title="t", description="d", highlight="a"),
        interval_svg([("x", 0.2, -0.1, 0.5), ("y", -0.3, -0.6, 0.0)], title="t", description="d"),
    ):
        assert_accessible(parse(markup))


def test_two_charts_on_one_page_get_distinct_ids() -> None:
    one = parse(bars_svg([1], labels=["a"], value_labels=["1"], title="One", description="d"))
    two = parse(bars_svg([1], labels=["a"], value_labels=["1"], title="Two", description="d"))
    assert one.attrib["aria-labelledby"] != two.attrib["aria-labelledby"]


# --------------------------------------------------------------------------- escaping


def test_every_caller_string_is_escaped_and_survives_as_text() -> None:
    rows = pareto({"a": 5, "b": 1})
    svgs = [
        pareto_svg(
            rows,
            labels=[NASTY, NASTY],
            value_labels=[NASTY, "1"],
            title=NASTY,
            description=NASTY,
            cumulative_label=NASTY,
        ),
        control_chart_svg(
            ControlChart(0.5, (ChartPoint(0.5, 10, 0.1, 0.9, (NASTY,)),)),
            labels=[NASTY],
            title=NASTY,
            description=NASTY,
            centre_label=NASTY,
            limit_label=NASTY,
            tick_format=lambda _: NASTY,
        ),
        bars_svg([1], labels=[NASTY], value_labels=[NASTY], title=NASTY, description=NASTY),
        gap_bars_svg({NASTY: -1.0}, labels={NASTY: NASTY}, title=NASTY, description=NASTY, highlight=NASTY),
        interval_svg([(NASTY, 0.1, 0.0, 0.2)], title=NASTY, description=NASTY, tick_format=lambda _: NASTY),
        pareto_svg([], labels=[], value_labels=[], title=NASTY, description=NASTY, cumulative_label=NASTY),
    ]
    for svg in svgs:
        root = parse(svg)
        assert "<script" not in svg
        assert not [el for el in root.iter() if el.tag.endswith("script")]
        assert root.findtext(f"{NS}title") == NASTY
        assert any(NASTY in text for text in texts(root))


# --------------------------------------------------------------------------- Pareto


def test_pareto_draws_one_bar_per_row_and_marks_the_vital_few() -> None:
    rows, svg = pareto_chart({"late": 50, "rude": 30, "broken": 10, "other": 5, "lost": 3})
    root = parse(svg)
    assert len(with_class(root, "rect", "bar")) == len(rows)
    assert len(with_class(root, "rect", "vital")) == sum(row.vital_few for row in rows) == 2
    assert with_class(root, "polyline", "cumulative")
    assert len(with_class(root, "circle", "cumulative-dot")) == len(rows)
    assert with_class(root, "line", "reference")


def test_pareto_bars_are_in_the_given_order_and_tallest_first() -> None:
    _, svg = pareto_chart({"late": 50, "rude": 30, "broken": 10})
    bars = with_class(parse(svg), "rect", "bar")
    xs = [number(bar, "x") for bar in bars]
    heights = [number(bar, "height") for bar in bars]
    assert xs == sorted(xs)
    assert heights == sorted(heights, reverse=True)


def test_crowded_pareto_labels_are_rotated_and_long_labels_truncated_with_full_text_on_hover() -> None:
    long_label = "A very long category name indeed"
    values = {f"cause {i}": float(10 - i) for i in range(7)}
    rows = pareto(values)
    labels = [long_label if i == 0 else row.key for i, row in enumerate(rows)]
    svg = pareto_svg(
        rows, labels=labels, value_labels=["x"] * len(rows), title="t", description="d", cumulative_label="c"
    )
    category = [el for el in parse(svg).iter(f"{NS}text") if el.get("class") == "category-label"]
    assert len(category) == len(rows)
    assert all("rotate(-35" in el.get("transform", "") for el in category)
    first = category[0]
    assert first.findtext(f"{NS}title") == long_label
    shown = (first.text or "") + "".join(child.tail or "" for child in first)
    assert shown.endswith("…") and len(shown) <= 18


def test_few_pareto_labels_stay_horizontal() -> None:
    _, svg = pareto_chart({"late": 50, "rude": 30})
    category = [el for el in parse(svg).iter(f"{NS}text") if el.get("class") == "category-label"]
    assert category and not any(el.get("transform") for el in category)


def test_pareto_refuses_mismatched_labels() -> None:
    rows = pareto({"a": 1, "b": 2})
    with pytest.raises(ValueError, match="labels"):
        pareto_svg(rows, labels=["a"], value_labels=["1", "2"], title="t", description="d", cumulative_label="c")


# --------------------------------------------------------------------------- control chart


def test_signal_points_are_larger_and_list_their_codes() -> None:
    chart = chart_with_gap()
    root = control(chart)
    signalled = [point for point in chart.points if point.signals]
    marks = with_class(root, "circle", "signal")
    assert signalled and len(marks) == len(signalled)
    plain = [mark for mark in with_class(root, "circle", "point") if "signal" not in mark.get("class", "")]
    assert all(number(mark, "r") > number(other, "r") for mark in marks for other in plain)
    hover = marks[0].findtext(f"{NS}title") or ""
    assert all(code in hover for code in signalled[0].signals)
    drawn = [point for point in chart.points if point.value is not None]
    assert len(with_class(root, "circle", "point")) == len(drawn)


def test_the_series_breaks_at_an_empty_subgroup() -> None:
    root = control(chart_with_gap())
    lines = with_class(root, "polyline", "series")
    assert len(lines) == 2
    assert [len(line.attrib["points"].split()) for line in lines] == [3, 4]


def test_centre_and_limit_lines_are_drawn() -> None:
    root = control(chart_with_gap())
    centre = with_class(root, "line", "centre")
    assert len([line for line in centre if "legend-swatch" not in line.attrib["class"]]) == 1
    assert len(with_class(root, "line", "legend-swatch")) == 2
    assert len(with_class(root, "path", "ucl")) == 1
    assert len(with_class(root, "path", "lcl")) == 1
    assert {"Centre", "Limits"} <= set(texts(root))


def limit_ys(root: ET.Element, name: str) -> list[float]:
    (path,) = with_class(root, "path", name)
    numbers = [float(n) for n in re.findall(r"-?\d+(?:\.\d+)?", path.attrib["d"])]
    return numbers[1::2]


def test_the_y_scale_covers_every_limit_and_value() -> None:
    chart = chart_with_gap()
    root = control(chart)
    _, top, _, bottom = plot_area(root)
    highest_ucl = min(limit_ys(root, "ucl"))
    assert top <= highest_ucl <= bottom
    assert all(top <= y <= bottom for y in limit_ys(root, "lcl"))
    assert all(top <= number(mark, "cy") <= bottom for mark in with_class(root, "circle", "point"))
    ticks = [el for el in root.iter(f"{NS}text") if el.get("class") == "tick" and el.get("text-anchor") == "end"]
    assert len(ticks) == 5


def test_limits_step_with_subgroup_size() -> None:
    chart = ControlChart(0.1, tuple(ChartPoint(0.1, n, 0.0, 0.1 + 0.3 / n**0.5) for n in (25, 100, 400)))
    ys = limit_ys(control(chart), "ucl")
    assert len(set(ys)) == 3
    assert ys == sorted(ys)  # larger subgroups: tighter limit, drawn lower (greater y)


def test_x_labels_are_thinned_to_about_twelve() -> None:
    chart = ControlChart(1.0, tuple(ChartPoint(1.0, 10, 0.5, 1.5) for _ in range(52)))
    root = control(chart, [f"W{i + 1}" for i in range(52)])
    x_labels = [el for el in root.iter(f"{NS}text") if el.get("class") == "tick" and el.get("text-anchor") == "middle"]
    assert 2 <= len(x_labels) <= 13


def test_tick_format_is_used_for_the_y_axis() -> None:
    svg = control_chart_svg(
        chart_with_gap(),
        labels=[str(i) for i in range(8)],
        title="t",
        description="d",
        centre_label="c",
        limit_label="l",
        tick_format=lambda v: f"{v:.1f}".replace(".", ","),
    )
    ticks = [el.text or "" for el in parse(svg).iter(f"{NS}text") if el.get("text-anchor") == "end"]
    assert ticks and all("," in tick for tick in ticks)


# --------------------------------------------------------------------------- bars


def test_bars_draw_one_bar_per_value_with_length_by_value() -> None:
    root = parse(bars_svg([4, 2, 1], labels=["a", "b", "c"], value_labels=["4", "2", "1"], title="t", description="d"))
    widths = [number(bar, "width") for bar in with_class(root, "rect", "bar")]
    assert len(widths) == 3
    assert widths[0] == pytest.approx(2 * widths[1], rel=0.01)
    assert {"a", "b", "c", "4", "2", "1"} <= set(texts(root))


def test_gap_bars_diverge_around_zero_and_highlight_one_key() -> None:
    gaps = {"tangibles": 0.5, "reliability": -1.2, "assurance": None}
    labels = {"tangibles": "Tangibles", "reliability": "Reliability", "assurance": "Assurance"}
    root = parse(gap_bars_svg(gaps, labels=labels, title="t", description="d", highlight="reliability"))
    (zero,) = with_class(root, "line", "zero")
    zero_x = number(zero, "x1")
    bars = with_class(root, "rect", "bar")
    assert len(bars) == 2  # the None gap is an empty row
    positive, negative = bars
    assert number(negative, "x") + number(negative, "width") <= zero_x + 0.1
    assert number(negative, "x") < zero_x
    assert number(positive, "x") >= zero_x - 0.1
    assert with_class(root, "rect", "highlight") == [negative]
    assert "Assurance" in texts(root)


# --------------------------------------------------------------------------- forest plot


def test_forest_plot_puts_each_estimate_inside_its_interval() -> None:
    rows = [("Refund", 0.4, 0.1, 0.8), ("Apology", -0.2, -0.5, 0.05)]
    root = parse(interval_svg(rows, title="t", description="d", reference=0.0))
    intervals = with_class(root, "line", "interval")
    squares = with_class(root, "rect", "estimate")
    assert len(intervals) == len(squares) == 2
    for line, square in zip(intervals, squares, strict=True):
        centre = number(square, "x") + number(square, "width") / 2
        assert number(line, "x1") < centre < number(line, "x2")
    (reference,) = with_class(root, "line", "reference")
    assert reference.get("stroke-dasharray")
    ref_x = number(reference, "x1")
    assert number(intervals[1], "x1") < ref_x < number(intervals[1], "x2")
    assert ref_x < number(intervals[0], "x1")
