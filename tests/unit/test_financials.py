"""Column splitting, the prior period, and the HTML page's escaping (pure arrangement)."""

from __future__ import annotations

import itertools
from datetime import date, timedelta

from hypothesis import given
from hypothesis import strategies as st

from ledgercore.cli.statement_render import page
from ledgercore.financials import Layout, LayoutRow, Step, column_bounds, prior_bounds

days = st.dates(date(2020, 1, 1), date(2027, 12, 31))


@given(first=days, length=st.integers(0, 800), step=st.sampled_from([*Step, None]))
def test_columns_partition_the_range_at_calendar_edges(first: date, length: int,
                                                       step: Step | None) -> None:
    last = first + timedelta(days=length)
    columns = column_bounds(first, last, step)
    assert columns[0][0] == first and columns[-1][1] == last
    assert all(a[1] == b[0] for a, b in itertools.pairwise(columns))
    if step is not None and length:
        months = {Step.month: 1, Step.quarter: 3, Step.year: 12}[step]
        for start, _end, _ in columns[1:]:
            assert start.day == 1 and (start.month - 1) % months == 0
        assert len({label for _, _, label in columns}) == len(columns)


def test_column_labels() -> None:
    assert [label for *_, label in column_bounds(date(2024, 1, 1), date(2024, 4, 1),
                                                 Step.month)] == ["2024-01", "2024-02",
                                                                  "2024-03"]
    assert [label for *_, label in column_bounds(date(2024, 2, 15), date(2025, 1, 1),
                                                 Step.quarter)] == [
        "2024-02-15..2024-04-01", "2024-Q2", "2024-Q3", "2024-Q4"]
    assert [label for *_, label in column_bounds(date(2023, 1, 1), date(2024, 1, 1),
                                                 Step.year)] == ["2023"]


def test_the_prior_period_has_the_same_length() -> None:
    assert prior_bounds(date(2024, 3, 1), date(2024, 4, 1)) == (date(2024, 2, 1),
                                                                date(2024, 3, 1))
    assert prior_bounds(date(2024, 1, 1), date(2025, 1, 1)) == (date(2023, 1, 1),
                                                                date(2024, 1, 1))
    assert prior_bounds(date(2024, 3, 10), date(2024, 3, 20)) == (date(2024, 2, 29),
                                                                  date(2024, 3, 10))


def test_the_html_page_escapes_names() -> None:
    layout = Layout("Title <i>", ("Amount",), (
        LayoutRow("account", "<script>alert(1)</script>", 1, "USD", (1234,), "a"),), {})
    html = page(layout, {"USD": 2})
    assert "<script>" not in html and "&lt;script&gt;" in html and "12.34" in html
