"""The dashboard's SVG charts: labels and links are escaped, empty data says so."""

from __future__ import annotations

import xml.etree.ElementTree as ET

from bot.kpis.charts_svg import bar_chart, line_chart

SVG = "{http://www.w3.org/2000/svg}"
XSS = '<script>alert(1)</script>"&'


def test_a_bar_chart_escapes_labels_and_links_each_bar() -> None:
    svg = bar_chart(
        "By intent",
        [(XSS, 0.5), ("order_status", 0.25), ("empty", None)],
        unit="%",
        link=lambda key: f"drill?value={key}&x=1",
    )
    root = ET.fromstring(svg)  # well-formed: nothing broke out of an attribute
    assert "<script>" not in svg
    links = root.findall(f"{SVG}g/{SVG}a")
    assert [a.get("href") for a in links] == [
        f"drill?value={XSS}&x=1",
        "drill?value=order_status&x=1",
        "drill?value=empty&x=1",
    ]
    texts = [t.text for t in root.iter(f"{SVG}text")]
    assert "50.0%" in texts and "25.0%" in texts and "n/a" in texts


def test_negative_values_are_drawn_apart() -> None:
    root = ET.fromstring(bar_chart("NPS", [("a", -20.0), ("b", 40.0)], unit="score"))
    assert [r.get("class") for r in root.iter(f"{SVG}rect")] == ["neg", "bar"]


def test_charts_without_data_say_so() -> None:
    assert "no data in this range" in bar_chart("x", [], unit="n")
    assert "no data in this range" in line_chart("x", [("2024-03-01", None)], unit="%")


def test_a_line_chart_breaks_where_a_day_has_no_value() -> None:
    points = [("2024-03-01", 0.5), ("2024-03-02", None), ("2024-03-03", 0.7), ("2024-03-04", 0.6)]
    root = ET.fromstring(line_chart("Containment per day", points, unit="%"))
    path = next(root.iter(f"{SVG}path")).get("d") or ""
    assert path.count("M") == 2 and path.count("L") == 1
