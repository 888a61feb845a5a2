"""On a 360 px phone, the final test of a training: each radio button sits on one line with its
text, and the whole option is a tap target at least 44 px high (tapping the text chooses it)."""
from __future__ import annotations

from tests.training.test_training_final_test import setup  # noqa: F401 (the fixture)

PASSWORD = "secret-pass-1"


def test_each_option_is_one_line_with_its_radio_and_a_44px_target(phone_page, setup):  # noqa: F811
    assignment_id = setup["make"](test_attempts=1)
    page = phone_page
    page.goto("/auth/login")
    page.fill("input[name=login]", setup["official"].phone)
    page.fill("input[name=password]", PASSWORD)
    page.locator("main form button[type=submit], main form input[type=submit]").first.click()
    page.wait_for_load_state()
    page.goto(f"/training/test/{assignment_id}")
    page.wait_for_load_state("load")
    options = page.locator("label.test-option")
    assert options.count() == 12
    for i in range(options.count()):
        label = options.nth(i)
        box = label.bounding_box()
        radio = label.locator("input[type=radio]").bounding_box()
        text = label.locator("span").bounding_box()
        assert box["height"] >= 44
        assert box["x"] + box["width"] <= 360
        # The radio and the text's first line share a line: the radio is left of the text and the
        # text's top lies above the radio's bottom (not pushed below it).
        assert radio["x"] + radio["width"] <= text["x"]
        assert text["y"] < radio["y"] + radio["height"]
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    # Tapping the text (not the tiny circle) chooses the option.
    options.nth(1).locator("span").click()
    assert options.nth(1).locator("input").is_checked()
