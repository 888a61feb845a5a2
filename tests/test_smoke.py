def test_home_is_vietnamese_by_default(client):
    response = client.get("/")
    assert response.status_code == 200
    assert 'lang="vi"' in response.get_data(as_text=True)


def test_register_page_renders_the_locality_picker(client, tree):
    html = client.get("/auth/register").get_data(as_text=True)
    assert 'name="loc"' in html
    assert "Tỉnh Thử" in html
