"""The rules of a participant report."""

from __future__ import annotations

import pytest

from registry.domain.errors import InvalidInput
from registry.domain.participants import Completeness, check_report


@pytest.mark.parametrize(
    ("year", "quarter", "total", "under", "over"),
    [(2023, None, 120, None, None), (2023, 2, 120, 80, 40), (2019, 4, 0, 0, 0)],
)
def test_good_reports(
    year: int, quarter: int | None, total: int, under: int | None, over: int | None
) -> None:
    check_report(year, quarter, total, under, over)


@pytest.mark.parametrize(
    ("args", "fields"),
    [
        ((2018, None, 10, None, None), {"year"}),
        ((2023, 5, 10, None, None), {"quarter"}),
        ((2023, None, -1, None, None), {"participants"}),
        ((2023, None, 10, 10, None), {"from_14"}),
        ((2023, None, 10, None, 10), {"under_14"}),
        ((2023, None, 10, 6, 5), {"participants"}),
        ((2023, 0, 10, -1, 11), {"quarter", "under_14"}),
    ],
)
def test_bad_reports_name_each_bad_field(
    args: tuple[int, int | None, int, int | None, int | None], fields: set[str]
) -> None:
    with pytest.raises(InvalidInput) as caught:
        check_report(*args)
    assert set(caught.value.errors) == fields


def test_completeness_share() -> None:
    assert Completeness(2023, 4, 3, ("a",)).share == 0.75
    assert Completeness(2023, 0, 0, ()).share is None
