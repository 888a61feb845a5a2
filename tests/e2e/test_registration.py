"""A citizen registers with a phone number on a phone-sized screen, picks their locality, switches
language, logs out and back in."""


def test_register_pick_locality_switch_language_logout_login(phone_page, tree):
    page = phone_page
    page.goto("/auth/register")
    page.get_by_label("Họ và tên").fill("Nguyễn Thị Mai")
    page.get_by_label("Số điện thoại hoặc e-mail").fill("0912 345 678")
    page.locator("#loc-1").select_option(label="Tỉnh Tỉnh Thử")
    page.locator("#loc-2").select_option(label="Huyện Huyện Một")
    page.locator("#loc-3").select_option(label="Xã Xã Tân Thành")
    page.locator("#loc-4").select_option(label="Ấp Ấp 1")
    page.get_by_label("Mật khẩu", exact=True).fill("mat-khau-123")
    page.get_by_label("Nhập lại mật khẩu").fill("mat-khau-123")
    page.get_by_role("button", name="Tạo tài khoản").click()
    page.wait_for_url("**/")
    assert "Nguyễn Thị Mai" in page.content()

    page.get_by_role("button", name="English").click()
    page.get_by_role("button", name="Log out").click()
    page.get_by_role("link", name="Log in").first.click()
    page.get_by_label("Phone number or e-mail").fill("0912345678")
    page.get_by_label("Password").fill("mat-khau-123")
    page.get_by_role("button", name="Log in").click()
    assert page.get_by_text("Welcome, Nguyễn Thị Mai!").is_visible()
    page.goto("/auth/profile")
    assert page.locator("#loc-4 option:checked").inner_text() == "Ấp Ấp 1"
