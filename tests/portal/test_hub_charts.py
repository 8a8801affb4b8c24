"""The SVG chart builder: well-formed SVG with every text escaped, labelled for
assistive technology, no style attributes (the CSP), scales that map values
where they belong, and charts of nothing that say so."""

from __future__ import annotations

import math
import xml.etree.ElementTree as ET

import pytest

from cld.portal.hub import charts
from cld.portal.hub.charts import Bar, Estimate

SVG = "{http://www.w3.org/2000/svg}"
HOSTILE = "<script>alert(\"x\")</script> & 'quotes'"


def parsed(svg: str) -> ET.Element:
    root = ET.fromstring(svg)
    assert root.tag == f"{SVG}svg"
    return root


def texts(root: ET.Element) -> list[str]:
    return [t.text or "" for t in root.iter(f"{SVG}text")]


def rects(root: ET.Element) -> list[ET.Element]:
    return list(root.iter(f"{SVG}rect"))


def assert_labelled(root: ET.Element, ident: str, title: str, desc: str) -> None:
    assert root.get("role") == "img"
    assert root.get("id") == ident
    assert root.get("aria-labelledby") == f"{ident}-title {ident}-desc"
    assert root.find(f"{SVG}title").text == title  # type: ignore[union-attr]
    assert root.find(f"{SVG}desc").text == desc  # type: ignore[union-attr]
    assert all("style" not in e.attrib for e in root.iter())


def test_every_text_is_escaped() -> None:
    bars = [Bar(HOSTILE, 3, "3"), Bar("b", None, "[c] <b>")]
    estimates = [Estimate(HOSTILE, 2.0, 1.0, 4.0, "2 (1 to 4)", group=HOSTILE)]
    made = [
        charts.bar_chart(
            bars, chart_id="c1", title=HOSTILE, desc=HOSTILE, axis_label=HOSTILE
        ),
        charts.column_chart(
            bars, chart_id="c2", title=HOSTILE, desc=HOSTILE, axis_label=HOSTILE
        ),
        charts.forest_plot(
            estimates, chart_id="c3", title=HOSTILE, desc=HOSTILE, axis_label=HOSTILE
        ),
        charts.empty_chart("c4", HOSTILE, HOSTILE),
    ]
    for svg in made:
        assert "<script" not in svg and "<b>" not in svg
        root = parsed(svg)  # well-formed: nothing broke out of its element
        assert root.find(f"{SVG}title").text == HOSTILE  # type: ignore[union-attr]
    assert charts.text('"><svg onload=x>') == "&quot;&gt;&lt;svg onload=x&gt;"
    hostile_id = charts.empty_chart('x" onload="alert(1)', "t", "d")
    assert parsed(hostile_id).get("onload") is None


def test_a_bar_chart_draws_a_bar_per_shown_value() -> None:
    bars = [Bar("under 5 km", 40, "40"), Bar("unknown", None, "[c]"), Bar("5", 0, "0")]
    root = parsed(
        charts.bar_chart(
            bars, chart_id="d", title="Distance", desc="Bands", axis_label="Count"
        )
    )
    assert_labelled(root, "d", "Distance", "Bands")
    drawn = rects(root)
    assert len(drawn) == 2  # the suppressed value has no bar
    widths = [float(r.get("width", "0")) for r in drawn]
    assert widths[1] == 0 and widths[0] > 0
    words = texts(root)
    assert "[c]" in words and "under 5 km" in words and "Count" in words
    for tick in ("0", "10", "20", "30", "40"):
        assert tick in words


def test_a_long_label_is_cut_in_the_chart() -> None:
    label = "a very long category label that goes on and on and on"
    root = parsed(
        charts.bar_chart(
            [Bar(label, 1, "1")], chart_id="l", title="t", desc="d", axis_label="n"
        )
    )
    assert charts.shorten(label) in texts(root)
    assert len(charts.shorten(label)) == charts.LABEL_CHARS
    assert charts.shorten("short") == "short"


def test_a_column_chart_labels_every_nth_period() -> None:
    bars = [Bar(f"m{i}", i, str(i)) for i in range(24)]
    root = parsed(
        charts.column_chart(
            bars, chart_id="s", title="Sessions", desc="d", axis_label="Sessions"
        )
    )
    assert len(rects(root)) == 24
    labels = [t for t in texts(root) if t.startswith("m")]
    assert 0 < len(labels) < 24 and labels[0] == "m0"
    heights = [float(r.get("height", "0")) for r in rects(root)]
    assert heights == sorted(heights)  # taller for more
    assert all(float(r.get("width", "0")) <= charts.MAX_COLUMN for r in rects(root))
    every = parsed(
        charts.column_chart(
            bars[:3], chart_id="s", title="t", desc="d", axis_label="n", labels_every=1
        )
    )
    assert [t for t in texts(every) if t.startswith("m")] == ["m0", "m1", "m2"]


def test_a_forest_plot_marks_each_estimate_and_its_interval() -> None:
    estimates = [
        Estimate("White", 1.0, None, None, "1 (reference)", group="Ethnicity"),
        Estimate("Mixed", 2.0, 1.0, 4.0, "2.00 (1.00 to 4.00)", group="Ethnicity"),
        Estimate("Other", None, None, None, "[c]", group="Ethnicity"),
        Estimate("female", 0.5, 0.25, 1.0, "0.50 (0.25 to 1.00)", group="Sex"),
    ]
    root = parsed(
        charts.forest_plot(estimates, chart_id="f", title="Odds", desc="Ratios")
    )
    assert_labelled(root, "f", "Odds", "Ratios")
    assert len(rects(root)) == 3  # none for the suppressed estimate
    words = texts(root)
    assert words.count("Ethnicity") == 1 and words.count("Sex") == 1
    assert "[c]" in words and "2.00 (1.00 to 4.00)" in words
    dashed = [e for e in root.iter(f"{SVG}line") if e.get("stroke-dasharray")]
    assert len(dashed) == 1  # the reference line at 1
    ticks = charts.log_ticks(0.25, 4.0)
    scale = charts.LogScale(ticks[0], ticks[-1], 210, charts.WIDTH - 160)
    assert float(dashed[0].get("x1", "0")) == pytest.approx(scale(1.0), abs=0.01)


def test_a_forest_plot_clamps_what_is_off_the_scale() -> None:
    root = parsed(
        charts.forest_plot(
            [Estimate("x", 500.0, 0.0001, 9000.0, "500")],
            chart_id="f",
            title="t",
            desc="d",
        )
    )
    xs = [float(e.get("x1", "0")) for e in root.iter(f"{SVG}line")]
    assert all(0 <= x <= charts.WIDTH for x in xs)
    assert "0.01" in texts(root) and "100" in texts(root)


@pytest.mark.parametrize(
    "chart",
    [
        lambda: charts.bar_chart([], chart_id="e", title="T", desc="D", axis_label="n"),
        lambda: charts.column_chart(
            [], chart_id="e", title="T", desc="D", axis_label="n"
        ),
        lambda: charts.forest_plot([], chart_id="e", title="T", desc="D"),
    ],
)
def test_a_chart_of_nothing_says_so(chart: object) -> None:
    root = parsed(chart())  # type: ignore[operator]
    assert_labelled(root, "e", "T", "D")
    assert texts(root) == ["No data to show."]
    assert rects(root) == []


def test_a_chart_of_only_suppressed_values_has_an_axis_and_no_bars() -> None:
    root = parsed(
        charts.bar_chart(
            [Bar("a", None, "[c]")], chart_id="z", title="t", desc="d", axis_label="n"
        )
    )
    assert rects(root) == [] and "[c]" in texts(root)
    assert "0" in texts(root) and "1" in texts(root)


@pytest.mark.parametrize(
    "top, ticks",
    [
        (40, [0, 10, 20, 30, 40]),
        (70, [0, 20, 40, 60, 80]),
        (6, [0, 2, 4, 6]),
        (1, [0, 0.2, 0.4, 0.6, 0.8, 1.0]),
        (1100, [0, 500, 1000, 1500]),
        (3, [0, 1, 2, 3]),
        (0, [0, 1]),
        (-5, [0, 1]),
        (math.nan, [0, 1]),
    ],
)
def test_nice_ticks(top: float, ticks: list[float]) -> None:
    found = charts.nice_ticks(top)
    assert found == pytest.approx(ticks)
    assert found[-1] >= top or not top > 0


@pytest.mark.parametrize(
    "low, high, ticks",
    [
        (0.5, 2, [0.5, 1, 2]),
        (0.3, 4, [0.2, 0.5, 1, 2, 5]),
        (0.05, 20, [0.01, 0.1, 1, 10, 100]),
        (1, 1, [1]),
        (0.01, 100, [0.01, 0.1, 1, 10, 100]),
    ],
)
def test_log_ticks(low: float, high: float, ticks: list[float]) -> None:
    assert charts.log_ticks(low, high) == pytest.approx(ticks)


def test_log_ticks_need_a_positive_range() -> None:
    for low, high in ((0, 1), (2, 1), (-1, 3)):
        with pytest.raises(ValueError, match="0 < low <= high"):
            charts.log_ticks(low, high)


def test_scales_map_and_clamp() -> None:
    linear = charts.LinearScale(100, 50, 250)
    assert [linear(v) for v in (0, 50, 100, 150, -1)] == [50, 150, 250, 250, 50]
    upward = charts.LinearScale(10, 300, 100)  # a vertical axis: 0 at the bottom
    assert upward(10) == 100 and upward(5) == 200
    log = charts.LogScale(0.1, 10, 0, 200)
    assert log(1) == pytest.approx(100)
    assert log(0.1) == 0 and log(10) == 200 and log(1000) == 200 and log(0.001) == 0
    assert charts.LogScale(1, 1, 0, 200)(1) == 100


@pytest.mark.parametrize(
    "value, written", [(2.0, "2"), (2.5, "2.5"), (0.125, "0.12"), (-0.001, "0")]
)
def test_numbers_are_written_briefly(value: float, written: str) -> None:
    assert charts.number(value) == written
