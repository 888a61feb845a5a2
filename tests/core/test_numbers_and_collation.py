"""Figures in the reader's format (Babel) and names in Vietnamese order (app.core.text.collation_key)."""

from __future__ import annotations

from flask_babel import force_locale

from app.core import numbers
from app.core.text import collation_key


def test_vietnamese_numbers(app):
    with app.test_request_context("/"), force_locale("vi"):
        assert numbers.number(1080) == "1.080"
        assert numbers.number(652.6666666666666) == "653"  # a headcount is a whole number
        assert numbers.percent(10.5) == "10,5%"
        assert numbers.percent(0.5) == "0,5%"
        assert numbers.percent(None) == "—"
        assert numbers.ratio(26, 247, 10.5, "người") == "26 / 247 người (10,5%)"


def test_english_numbers(app):
    with app.test_request_context("/"), force_locale("en"):
        assert numbers.number(1080) == "1,080"
        assert numbers.percent(10.5) == "10.5%"


def test_names_sort_by_the_vietnamese_alphabet_not_by_code_point():
    names = ["Zê", "Đồng Xoài", "Dương", "Em", "Anh", "An Lộc", "Ơn", "Ông", "Ong"]
    assert sorted(names, key=collation_key) == ["An Lộc", "Anh", "Dương", "Đồng Xoài", "Em", "Ong", "Ông",
                                                "Ơn", "Zê"]


def test_tones_sort_after_letters_in_dictionary_order():
    assert sorted(["ạ", "á", "ã", "ả", "à", "a"], key=collation_key) == ["a", "à", "ả", "ã", "á", "ạ"]
    assert sorted(["Ba", "bá", "Bà"], key=collation_key)[0] == "Ba"


def test_numbers_in_names_sort_as_numbers():
    assert sorted(["Ấp 10", "Ấp 2", "Ấp 1"], key=collation_key) == ["Ấp 1", "Ấp 2", "Ấp 10"]
