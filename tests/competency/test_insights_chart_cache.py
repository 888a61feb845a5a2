"""Chart images are cached by kind, format, language and a hash of the drawn data: the same data is
served without drawing again, any change in the data draws a new image (in Redis when configured,
else in an in-process LRU)."""

import pytest

from app.competency import charts

LABELS = ["Xã Tân Thành", "Xã Phú Văn"]


@pytest.fixture
def draws(monkeypatch):
    """Counts the real drawings."""
    count = {"n": 0}
    real = charts.Figure

    def counting(*args, **kwargs):
        count["n"] += 1
        return real(*args, **kwargs)

    monkeypatch.setattr(charts, "Figure", counting)
    charts.memory_cache.clear()
    return count


def test_the_same_chart_is_drawn_once(ctx, draws):
    first = charts.bar_chart(LABELS, [40.0, 70.0], "Tỷ lệ", "alt", "png", threshold=50)
    again = charts.bar_chart(LABELS, [40.0, 70.0], "Tỷ lệ", "alt", "png", threshold=50)
    assert draws["n"] == 1
    assert again.data == first.data
    assert again.mimetype == "image/png"
    assert again.data.startswith(b"\x89PNG")


def test_other_data_format_or_threshold_draws_again(ctx, draws):
    charts.bar_chart(LABELS, [40.0, 70.0], "Tỷ lệ", "alt", "png")
    charts.bar_chart(LABELS, [41.0, 70.0], "Tỷ lệ", "alt", "png")
    charts.bar_chart(LABELS, [40.0, 70.0], "Tỷ lệ", "alt", "svg")
    charts.bar_chart(LABELS, [40.0, 70.0], "Tỷ lệ", "alt", "png", threshold=60)
    charts.trend_lines(["01/09"], {"a": [1]}, "t", "alt", "png")
    charts.trend_lines(["01/09"], {"a": [1]}, "t", "alt", "png")
    assert draws["n"] == 5


def test_the_language_is_part_of_the_key(app):
    with app.test_request_context("/?lang=en"):
        from flask_babel import force_locale

        with force_locale("en"):
            english = charts.cache_key("bars", "png", {"a": 1})
        with force_locale("vi"):
            vietnamese = charts.cache_key("bars", "png", {"a": 1})
    assert english != vietnamese
    assert english.startswith("chart:bars:png:en:")


def test_the_cache_lives_in_redis_when_configured(ctx, draws):
    from app.core.database import get_redis

    client = get_redis()
    if client is None:
        pytest.skip("REDIS_URL not set in this pass (the in-process LRU is tested above)")
    chart = charts.heatmap(["0"], LABELS, [[1.5, None]], "Mức", "alt", "svg")
    keys = client.keys("chart:heatmap:svg:*")
    assert len(keys) == 1
    charts.memory_cache.clear()
    assert charts.heatmap(["0"], LABELS, [[1.5, None]], "Mức", "alt", "svg").data == chart.data
    assert draws["n"] == 1


def test_the_lru_keeps_only_the_configured_number_of_images(app, draws):
    app.config["CHART_CACHE_ITEMS"] = 2
    try:
        with app.app_context():
            if app.extensions.get("redis") is not None:
                pytest.skip("Redis pass: the LRU is not used")
            for value in (1.0, 2.0, 3.0):
                charts.bar_chart(["A"], [value], "t", "alt", "svg")
            charts.bar_chart(["A"], [3.0], "t", "alt", "svg")
            assert draws["n"] == 3
            charts.bar_chart(["A"], [1.0], "t", "alt", "svg")
            assert draws["n"] == 4
            assert len(charts.memory_cache.items) == 2
    finally:
        app.config.pop("CHART_CACHE_ITEMS")


def test_a_chart_page_is_served_from_the_cache(client, app, login, tree, make_user, draws):
    manager = make_user(roles={"manager": "90"})
    login(manager)
    first = client.get("/insights/unit/90/chart/bars.svg")
    second = client.get("/insights/unit/90/chart/bars.svg")
    assert first.status_code == second.status_code == 200
    assert second.data == first.data
    assert draws["n"] == 1
    assert b"<svg" in first.data


def test_a_refresh_draws_province_and_district_charts_ahead(app, runner, client, make_user, login, tree, draws):
    """After `flask reports refresh --warm-charts` the first leader to open a dashboard gets the
    charts from the cache (in Redis in production; this pass may use the in-process cache)."""
    make_user(locality=tree["v1"])
    result = runner.invoke(args=["reports", "refresh", "--full", "--warm-charts"])
    assert result.exit_code == 0, result.output
    assert "Charts drawn ahead" in result.output
    drawn_ahead = draws["n"]
    assert drawn_ahead == 3 * 3 * 2  # province + 2 districts, three kinds, two languages
    login(make_user(locality=tree["d1"], roles={"manager": tree["province"]}))
    for kind in ("bars", "heatmap", "trend"):
        response = client.get(f"/insights/unit/{tree['province']}/chart/{kind}.png")
        assert response.status_code == 200
        assert response.data.startswith(b"\x89PNG")
    assert draws["n"] == drawn_ahead  # nothing drawn again
