"""Server-drawn SVG charts: labelled for screen readers, text escaped, gaps said in words."""

from __future__ import annotations

import re

from app.web.admin.charts import Row, Series, bar_chart, column_chart


def test_bar_chart_is_an_accessible_image() -> None:
    svg = str(
        bar_chart(
            [Row("<script>alert(1)</script>", (0.5,)), Row("Second", (None,))],
            series=(Series("Right", "s1"),),
            title="Right & wrong",
            description="Share right per problem.",
        )
    )
    assert svg.startswith('<svg class="chart bars single"')
    assert 'role="img"' in svg
    title_id, desc_id = re.search(r'aria-labelledby="(\S+) (\S+)"', svg).groups()  # type: ignore[union-attr]
    assert f'<title id="{title_id}">Right &amp; wrong</title>' in svg
    assert f'<desc id="{desc_id}">Share right per problem.</desc>' in svg
    assert "<script>" not in svg
    assert "&lt;script&gt;" in svg
    assert ">50%<" in svg
    assert "no data" in svg


def test_negative_values_grow_left_of_zero() -> None:
    svg = str(
        bar_chart(
            [Row("a", (-0.5,))],
            series=(Series("r", "s1"),),
            title="t",
            description="d",
            domain=(-1.0, 1.0),
            fmt=lambda v: f"{v:.2f}",
            reference=(0.2, "0.2"),
        )
    )
    x, width = map(
        float,
        re.search(r'<rect class="bar s1" x="([\d.]+)" y="\S+" width="([\d.]+)"', svg).groups(),
    )  # type: ignore[union-attr]
    zero = 250 + (720 - 250 - 92) / 2
    assert abs((x + width) - zero) < 0.1
    assert 'class="reference"' in svg
    assert ">-0.50<" in svg


def test_column_chart_labels_every_column() -> None:
    svg = str(
        column_chart(
            [1, 0, 3], labels=["0/2", "1/2", "2/2"], title="t", description="d", x_title="x"
        )
    )
    assert svg.count('<rect class="bar') == 3
    assert all(f">{label}<" in svg for label in ("0/2", "1/2", "2/2"))
