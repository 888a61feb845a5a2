"""The indicator registry: one definition per figure, and docs/indicators.md generated from it."""

from __future__ import annotations

from pathlib import Path

import pytest

from app.competency import indicators
from app.competency.models import STAT_FIGURES

DOC = Path(__file__).resolve().parents[2] / "docs" / "indicators.md"


def test_committed_page_equals_the_generated_one():
    assert DOC.read_text(encoding="utf-8") == indicators.markdown(), (
        "docs/indicators.md is stale: run `flask reports indicators-doc`"
    )


def test_cli_writes_and_checks_the_page(app, tmp_path):
    runner = app.test_cli_runner()
    out = tmp_path / "indicators.md"
    assert runner.invoke(args=["reports", "indicators-doc", "--check", "--output", str(out)]).exit_code != 0
    result = runner.invoke(args=["reports", "indicators-doc", "--output", str(out)])
    assert result.exit_code == 0, result.output
    assert out.read_text(encoding="utf-8") == indicators.markdown()
    assert runner.invoke(args=["reports", "indicators-doc", "--check", "--output", str(out)]).exit_code == 0


@pytest.mark.parametrize("indicator", list(indicators.INDICATORS.values()), ids=lambda i: i.key)
def test_every_indicator_is_fully_defined(indicator):
    assert indicator.name_vi
    assert indicator.name_en
    assert indicator.name_vi != indicator.name_en
    assert indicator.numerator_vi
    assert indicator.numerator_en
    assert indicator.population_vi
    assert indicator.population_en
    assert indicator.unit in indicators.UNITS
    assert indicator.cadence in indicators.CADENCES
    if indicator.denominator:
        assert indicator.denominator_vi
        assert indicator.denominator_en
    if indicator.source == indicators.LOCALITY_STATS and indicator.key not in ("active_learners_week",
                                                                               "area_mean_level"):
        assert set(indicator.numerator + indicator.denominator) <= set(STAT_FIGURES)


def test_names_are_unique_in_each_language():
    for attr in ("name_vi", "name_en"):
        names = [getattr(i, attr) for i in indicators.INDICATORS.values()]
        assert len(names) == len(set(names)), attr


def test_participation_of_registered_people_and_of_headcount_are_different_indicators():
    registered = indicators.get("contest_participation_registered")
    headcount = indicators.get("round_participation_headcount")
    assert registered.denominator == ("citizens", "officials")
    assert headcount.denominator == ("headcount",)
    assert registered.name_vi != headcount.name_vi
    assert registered.name_en != headcount.name_en


def test_a_share_divides_by_what_it_names():
    figures = dict.fromkeys(STAT_FIGURES, 0) | {"citizens": 221, "officials": 26, "learners": 26}
    m = indicators.get("learner_share").measure(figures)
    assert (m.numerator, m.denominator, m.value) == (26, 247, 10.5)


def test_a_share_of_nothing_has_no_value():
    m = indicators.get("training_compliance").measure(dict.fromkeys(STAT_FIGURES, 0))
    assert (m.numerator, m.denominator, m.value) == (0, 0, None)


def test_percent_rounds_half_up():
    assert indicators.percent(1, 8) == 12.5
    assert indicators.percent(1, 16) == 6.3  # 6.25 → 6.3 (not banker's 6.2)
