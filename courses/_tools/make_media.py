"""Draw the mock-up screens of the lessons (cropped to what they show, so a step's picture takes no
more of the phone's screen than needed) and render the two lesson videos (with narration and
Vietnamese captions). The output is committed; run this again only to change the pictures:

    .venv/bin/python courses/_tools/make_media.py            # images + videos
    .venv/bin/python courses/_tools/make_media.py --images   # images only

Needs Pillow (installed with matplotlib), DejaVu fonts, and for videos espeak-ng and ffmpeg.
The screens are drawings that imitate the real portals; they are not screenshots.
"""
from __future__ import annotations

import subprocess
import sys
import tempfile
import textwrap
from pathlib import Path

from PIL import Image, ImageDraw, ImageFont

ROOT = Path(__file__).resolve().parent.parent
FONT = "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf"
BOLD = "/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf"
W, H = 360, 640
DVC = ("#b3261e", "Cổng Dịch vụ công Quốc gia")
VNEID = ("#c62828", "VNeID")
BANK = ("#0b5cad", "Ngân hàng số")
BPT = ("#1d6b2f", "Bình Phước Today")
PHONE = ("#37474f", "Điện thoại")


def font(size: int, bold: bool = False) -> ImageFont.FreeTypeFont:
    return ImageFont.truetype(BOLD if bold else FONT, size)


def draw_screen(path: Path, header: tuple[str, str], items: list[tuple]) -> None:
    """A phone screen: coloured header, then items top to bottom. Items:
    ("h", text) title · ("t", text) paragraph · ("in", label, value) input · ("sel", label, value)
    · ("btn", label, highlighted) · ("list", [rows], highlighted index) · ("warn", text) · ("ok", text)
    · ("code", digits) one-time code boxes."""
    img = Image.new("RGB", (W, H), "white")
    d = ImageDraw.Draw(img)
    colour, title = header
    d.rectangle([0, 0, W, 56], fill=colour)
    d.text((16, 16), title, font=font(19, True), fill="white")
    y = 72
    red = "#e53935"
    for item in items:
        kind = item[0]
        if kind == "h":
            for line in textwrap.wrap(item[1], 26):
                d.text((16, y), line, font=font(21, True), fill="#1a1a1a")
                y += 28
            y += 6
        elif kind == "t":
            for line in textwrap.wrap(item[1], 34):
                d.text((16, y), line, font=font(16), fill="#333333")
                y += 22
            y += 8
        elif kind in ("in", "sel"):
            d.text((16, y), item[1], font=font(15, True), fill="#333333")
            y += 22
            d.rounded_rectangle([16, y, W - 16, y + 40], 6, outline="#767676", width=2)
            d.text((26, y + 10), item[2], font=font(16), fill="#1a1a1a" if item[2] else "#999999")
            if kind == "sel":
                d.polygon([(W - 40, y + 16), (W - 28, y + 16), (W - 34, y + 24)], fill="#333333")
            y += 54
        elif kind == "btn":
            fill = colour if item[2] else "white"
            d.rounded_rectangle([16, y, W - 16, y + 48], 8, fill=fill, outline=colour, width=2)
            tw = d.textlength(item[1], font=font(18, True))
            d.text(((W - tw) / 2, y + 12), item[1], font=font(18, True), fill="white" if item[2] else colour)
            if item[2]:
                d.rounded_rectangle([8, y - 8, W - 8, y + 56], 12, outline=red, width=4)
            y += 66
        elif kind == "list":
            for i, row in enumerate(item[1]):
                d.rectangle([16, y, W - 16, y + 44], outline="#c9c9c9", width=1)
                d.text((26, y + 12), row[:32], font=font(15, i == item[2]), fill="#1a1a1a")
                if i == item[2]:
                    d.rounded_rectangle([10, y - 4, W - 10, y + 48], 8, outline=red, width=4)
                y += 48
            y += 10
        elif kind in ("warn", "ok"):
            lines = textwrap.wrap(item[1], 32)
            box = "#fdeef0" if kind == "warn" else "#eef7f0"
            edge = red if kind == "warn" else "#1d6b2f"
            d.rectangle([16, y, W - 16, y + 16 + 22 * len(lines)], fill=box, outline=edge, width=2)
            for n, line in enumerate(lines):
                d.text((26, y + 8 + 22 * n), line, font=font(16, True), fill=edge)
            y += 30 + 22 * len(lines)
        elif kind == "code":
            for n, digit in enumerate(item[1]):
                x = 24 + n * 52
                d.rounded_rectangle([x, y, x + 44, y + 52], 6, outline="#767676", width=2)
                d.text((x + 14, y + 12), digit, font=font(22, True), fill="#1a1a1a")
            y += 70
    if not path.name.startswith("video-"):
        # a lesson's picture is as tall as what it shows (a video's frames keep the phone's size)
        img = img.crop((0, 0, W, min(H, y + 8)))
    path.parent.mkdir(parents=True, exist_ok=True)
    img.quantize(colors=24, method=Image.Quantize.MEDIANCUT).save(path, optimize=True)


SCREENS: dict[str, tuple[tuple[str, str], list[tuple]]] = {
    # --- tai-khoan-dich-vu-cong ---------------------------------------------------------------
    "tai-khoan-dich-vu-cong/media/dvc-trang-chu.png": (DVC, [
        ("h", "dichvucong.gov.vn"), ("t", "Thông tin và dịch vụ cho người dân và doanh nghiệp."),
        ("btn", "Đăng nhập", False), ("btn", "Đăng ký", True)]),
    "tai-khoan-dich-vu-cong/media/dvc-chon-doi-tuong.png": (DVC, [
        ("h", "Đăng ký tài khoản"), ("t", "Bạn là ai?"),
        ("list", ["Công dân", "Doanh nghiệp", "Tổ chức"], 0)]),
    "tai-khoan-dich-vu-cong/media/dvc-nhap-thong-tin.png": (DVC, [
        ("h", "Thông tin công dân"), ("in", "Số định danh cá nhân (CCCD)", "0700 8500 1234"),
        ("in", "Họ và tên", "NGUYỄN VĂN AN"), ("in", "Số điện thoại", "0912 345 678"),
        ("btn", "Tiếp tục", True)]),
    "tai-khoan-dich-vu-cong/media/dvc-otp.png": (DVC, [
        ("h", "Nhập mã OTP"), ("t", "Mã gồm 6 số vừa gửi vào điện thoại của bạn."),
        ("code", "482915"), ("warn", "Không đưa mã OTP cho bất kỳ ai."), ("btn", "Xác nhận", True)]),
    "tai-khoan-dich-vu-cong/media/dvc-mat-khau.png": (DVC, [
        ("h", "Tạo mật khẩu"), ("in", "Mật khẩu", "••••••••"), ("in", "Nhập lại mật khẩu", "••••••••"),
        ("ok", "Ít nhất 8 ký tự, có chữ và số."), ("btn", "Hoàn tất", True)]),
    "tai-khoan-dich-vu-cong/media/vneid-cai-dat.png": (PHONE, [
        ("h", "Cửa hàng ứng dụng"), ("in", "Tìm kiếm", "VNeID"),
        ("list", ["VNeID — Bộ Công an", "Ứng dụng khác", "Ứng dụng khác"], 0), ("btn", "Cài đặt", True)]),
    "tai-khoan-dich-vu-cong/media/vneid-kich-hoat.png": (VNEID, [
        ("h", "Chào mừng đến VNeID"), ("btn", "Đăng nhập", False),
        ("btn", "Kích hoạt tài khoản định danh điện tử", True)]),
    "tai-khoan-dich-vu-cong/media/vneid-nhap-so.png": (VNEID, [
        ("h", "Kích hoạt tài khoản"), ("in", "Số định danh cá nhân", "070085001234"),
        ("in", "Số điện thoại", "0912345678"), ("btn", "Gửi yêu cầu", True)]),
    "tai-khoan-dich-vu-cong/media/vneid-passcode.png": (VNEID, [
        ("h", "Tạo mã bảo vệ (passcode)"), ("t", "Chọn 6 số dễ nhớ với bạn, khó đoán với người khác."),
        ("code", "••••••"), ("warn", "Không dùng ngày sinh hay 123456."), ("btn", "Xác nhận", True)]),
    "tai-khoan-dich-vu-cong/media/vneid-muc-2.png": (VNEID, [
        ("h", "Tài khoản định danh mức 2"), ("ok", "Đã kích hoạt thành công!"),
        ("t", "Bây giờ bạn dùng VNeID để đăng nhập Cổng Dịch vụ công.")]),
    "tai-khoan-dich-vu-cong/media/video-dang-nhap-1.png": (DVC, [
        ("h", "Đăng nhập"), ("t", "Trên trang dichvucong.gov.vn, bấm Đăng nhập."),
        ("btn", "Đăng nhập", True), ("btn", "Đăng ký", False)]),
    "tai-khoan-dich-vu-cong/media/video-dang-nhap-2.png": (DVC, [
        ("h", "Chọn cách đăng nhập"),
        ("list", ["Tài khoản định danh điện tử (VNeID)", "Tài khoản Cổng DVC", "USB ký số"], 0)]),
    "tai-khoan-dich-vu-cong/media/video-dang-nhap-3.png": (VNEID, [
        ("h", "Quét mã QR"), ("t", "Mở ứng dụng VNeID trên điện thoại, chọn Quét QR, rồi quét mã trên màn hình."),
        ("code", "▦▦▦▦▦")]),
    "tai-khoan-dich-vu-cong/media/video-dang-nhap-4.png": (VNEID, [
        ("h", "Xác nhận đăng nhập"), ("t", "Nhập mã bảo vệ 6 số của VNeID để đồng ý."), ("code", "••••••"),
        ("btn", "Đồng ý", True)]),
    "tai-khoan-dich-vu-cong/media/video-dang-nhap-5.png": (DVC, [
        ("h", "Xin chào, NGUYỄN VĂN AN"), ("ok", "Bạn đã đăng nhập."),
        ("list", ["Nộp hồ sơ trực tuyến", "Tra cứu hồ sơ", "Thanh toán trực tuyến"], -1)]),
    # --- thu-tuc-cho-tre-moi-sinh -----------------------------------------------------------------
    "thu-tuc-cho-tre-moi-sinh/media/ks-tim-thu-tuc.png": (DVC, [
        ("h", "Tìm thủ tục"), ("in", "Tìm kiếm", "khai sinh"),
        ("list", ["Liên thông: khai sinh - thường", "trú - thẻ BHYT trẻ dưới 6 tuổi", "Đăng ký khai sinh"], 0)]),
    "thu-tuc-cho-tre-moi-sinh/media/ks-thong-tin-tre.png": (DVC, [
        ("h", "Thông tin của bé"), ("in", "Họ và tên bé", "NGUYỄN THỊ HOA"), ("in", "Ngày sinh", "12/03/2024"),
        ("sel", "Giới tính", "Nữ"), ("sel", "Nơi sinh", "Bệnh viện đa khoa tỉnh")]),
    "thu-tuc-cho-tre-moi-sinh/media/ks-thong-tin-me.png": (DVC, [
        ("h", "Thông tin cha mẹ"), ("in", "Số định danh của mẹ", "070190001234"),
        ("in", "Họ và tên mẹ", "TRẦN THỊ LAN"), ("in", "Số định danh của cha", "070188005678")]),
    "thu-tuc-cho-tre-moi-sinh/media/ks-giay-to.png": (DVC, [
        ("h", "Giấy tờ kèm theo"), ("t", "Chụp rõ, đủ 4 góc, không bị lóa."),
        ("list", ["Giấy chứng sinh  ✓ đã tải", "Giấy đăng ký kết hôn (nếu có)"], 0),
        ("btn", "Tải ảnh lên", False)]),
    "thu-tuc-cho-tre-moi-sinh/media/ks-nhan-ket-qua.png": (DVC, [
        ("h", "Cách nhận kết quả"),
        ("list", ["Nhận bản điện tử trên Cổng", "Qua bưu chính công ích", "Tại Bộ phận một cửa"], 1)]),
    "thu-tuc-cho-tre-moi-sinh/media/ks-nop.png": (DVC, [
        ("h", "Nộp hồ sơ"), ("ok", "Đã nộp! Mã hồ sơ: G22.70-240312-0042"),
        ("t", "Ghi lại mã hồ sơ để tra cứu."), ("btn", "Về trang chủ", False)]),
    "thu-tuc-cho-tre-moi-sinh/media/video-tra-cuu-1.png": (DVC, [
        ("h", "Tra cứu hồ sơ"), ("in", "Mã hồ sơ", "G22.70-240312-0042"), ("btn", "Tra cứu", True)]),
    "thu-tuc-cho-tre-moi-sinh/media/video-tra-cuu-2.png": (DVC, [
        ("h", "Tình trạng hồ sơ"), ("list", ["✓ Đã tiếp nhận", "✓ Đang xử lý", "… Chờ trả kết quả"], 1)]),
    "thu-tuc-cho-tre-moi-sinh/media/video-tra-cuu-3.png": (DVC, [
        ("h", "Kết quả"), ("ok", "Đã có Giấy khai sinh điện tử và thẻ BHYT của bé."),
        ("btn", "Tải về", True)]),
    "thu-tuc-cho-tre-moi-sinh/media/video-tra-cuu-4.png": (PHONE, [
        ("h", "Bưu điện giao tận nhà"), ("t", "Nếu chọn bưu chính công ích, nhân viên bưu điện mang giấy tờ đến nhà."),
        ("warn", "Mang theo CCCD khi nhận.")]),
    # --- thanh-toan-khong-tien-mat ----------------------------------------------------------------
    "thanh-toan-khong-tien-mat/media/pp-ho-so.png": (DVC, [
        ("h", "Hồ sơ của tôi"), ("list", ["G22.70-240312-0042", "Chờ thanh toán phí: 20.000 đ"], 1),
        ("btn", "Thanh toán", True)]),
    "thanh-toan-khong-tien-mat/media/pp-chon-ngan-hang.png": (DVC, [
        ("h", "Chọn nơi thanh toán"), ("list", ["Ngân hàng của bạn", "Ví điện tử", "Thẻ ATM nội địa"], 0)]),
    "thanh-toan-khong-tien-mat/media/pp-xac-nhan.png": (BANK, [
        ("h", "Xác nhận thanh toán"), ("t", "Số tiền: 20.000 đ. Nội dung: phí hồ sơ G22.70-240312-0042"),
        ("code", "••••••"), ("btn", "Xác nhận", True)]),
    "thanh-toan-khong-tien-mat/media/pp-bien-lai.png": (DVC, [
        ("h", "Biên lai điện tử"), ("ok", "Thanh toán thành công 20.000 đ"), ("btn", "Tải biên lai", True)]),
    "thanh-toan-khong-tien-mat/media/hd-mo-app.png": (BANK, [
        ("h", "Xin chào!"), ("list", ["Chuyển tiền", "Thanh toán hóa đơn", "Nạp tiền điện thoại"], 1)]),
    "thanh-toan-khong-tien-mat/media/hd-chon-loai.png": (BANK, [
        ("h", "Thanh toán hóa đơn"), ("list", ["Tiền điện", "Tiền nước", "Học phí", "Internet"], 0)]),
    "thanh-toan-khong-tien-mat/media/hd-ma-khach-hang.png": (BANK, [
        ("h", "Tiền điện"), ("sel", "Nhà cung cấp", "Điện lực Bình Phước"),
        ("in", "Mã khách hàng", "PB07000123456"), ("btn", "Kiểm tra", True)]),
    "thanh-toan-khong-tien-mat/media/hd-kiem-tra.png": (BANK, [
        ("h", "Kiểm tra hóa đơn"), ("t", "Khách hàng: NGUYỄN VĂN AN. Tháng 3/2024. Số tiền: 356.000 đ"),
        ("warn", "Tên và địa chỉ phải đúng nhà bạn."), ("btn", "Thanh toán", True)]),
    "thanh-toan-khong-tien-mat/media/hd-otp.png": (BANK, [
        ("h", "Nhập mã OTP"), ("code", "731046"), ("ok", "Thanh toán thành công!")]),
    # --- an-toan-va-phan-anh ----------------------------------------------------------------------
    "an-toan-va-phan-anh/media/ld-cuoc-goi.png": (PHONE, [
        ("h", "Cuộc gọi đến"), ("t", "\"Tôi là công an. Con anh bị tai nạn, chuyển ngay 20 triệu.\""),
        ("warn", "Công an không bao giờ đòi chuyển tiền qua điện thoại."), ("btn", "Từ chối", True)]),
    "an-toan-va-phan-anh/media/ld-tin-nhan.png": (PHONE, [
        ("h", "Tin nhắn"), ("t", "\"Tài khoản của bạn bị khóa. Bấm vào link vcb-hotro.xyz để mở.\""),
        ("warn", "Link lạ! Không bấm."), ("btn", "Xóa tin nhắn", True)]),
    "an-toan-va-phan-anh/media/ld-otp.png": (PHONE, [
        ("h", "Mã OTP"), ("code", "482915"), ("warn", "OTP là chìa khóa tiền của bạn. Không đọc cho ai."),
        ("t", "Ngân hàng, công an, bưu điện không bao giờ hỏi mã OTP.")]),
    "an-toan-va-phan-anh/media/ld-bao-cao.png": (PHONE, [
        ("h", "Khi nghi bị lừa"), ("list", ["1. Gọi ngay ngân hàng để khóa", "2. Báo công an xã", "3. Kể cho người thân"], -1)]),
    "an-toan-va-phan-anh/media/pa-mo-app.png": (BPT, [
        ("h", "Bình Phước Today"), ("list", ["Phản ánh hiện trường", "Tin tức", "Dịch vụ công"], 0)]),
    "an-toan-va-phan-anh/media/pa-chup-anh.png": (BPT, [
        ("h", "Chụp ảnh"), ("t", "Chụp rõ nơi cần phản ánh: đường hư, rác, đèn hỏng…"), ("btn", "Chụp ảnh", True)]),
    "an-toan-va-phan-anh/media/pa-noi-dung.png": (BPT, [
        ("h", "Nội dung phản ánh"), ("sel", "Lĩnh vực", "Giao thông"),
        ("in", "Nội dung", "Đường vào ấp 1 có ổ gà lớn"), ("in", "Số điện thoại", "0912345678")]),
    "an-toan-va-phan-anh/media/pa-gui.png": (BPT, [
        ("h", "Gửi phản ánh"), ("ok", "Đã gửi! Bạn sẽ được báo khi có trả lời."), ("btn", "Xem phản ánh của tôi", False)]),
}

VIDEOS = {
    "tai-khoan-dich-vu-cong/media/dang-nhap-vneid": [
        ("video-dang-nhap-1.png", "Mở trang dịch vụ công. Bấm nút Đăng nhập."),
        ("video-dang-nhap-2.png", "Chọn đăng nhập bằng tài khoản định danh điện tử VNeID."),
        ("video-dang-nhap-3.png", "Mở ứng dụng VNeID. Chọn Quét QR. Quét mã trên màn hình."),
        ("video-dang-nhap-4.png", "Nhập mã bảo vệ sáu số. Bấm Đồng ý."),
        ("video-dang-nhap-5.png", "Xong. Bạn đã đăng nhập Cổng Dịch vụ công."),
    ],
    "thu-tuc-cho-tre-moi-sinh/media/tra-cuu-ho-so": [
        ("video-tra-cuu-1.png", "Vào mục Tra cứu hồ sơ. Nhập mã hồ sơ. Bấm Tra cứu."),
        ("video-tra-cuu-2.png", "Xem tình trạng hồ sơ: đã tiếp nhận, đang xử lý."),
        ("video-tra-cuu-3.png", "Khi có kết quả, tải giấy khai sinh điện tử về điện thoại."),
        ("video-tra-cuu-4.png", "Nếu chọn bưu điện, giấy tờ được mang đến tận nhà. Nhớ mang căn cước."),
    ],
}


def run(*args: str) -> None:
    subprocess.run(args, check=True, capture_output=True)


def duration(path: Path) -> float:
    out = subprocess.run(["ffprobe", "-v", "error", "-show_entries", "format=duration", "-of", "csv=p=0",
                          str(path)], check=True, capture_output=True, text=True).stdout
    return float(out.strip())


def stamp(seconds: float) -> str:
    ms = round(seconds * 1000)
    return f"{ms // 3600000:02d}:{ms // 60000 % 60:02d}:{ms // 1000 % 60:02d}.{ms % 1000:03d}"


def make_video(base: Path, scenes: list[tuple[str, str]]) -> None:
    """Each scene: a mock-up shown while its sentence is spoken; captions carry the same words."""
    with tempfile.TemporaryDirectory() as tmp:
        tmp_dir = Path(tmp)
        inputs, filters, cues, t = [], [], [], 0.0
        for n, (image, sentence) in enumerate(scenes):
            wav = tmp_dir / f"{n}.wav"
            run("espeak-ng", "-v", "vi", "-s", "130", "-w", str(wav), sentence)
            length = duration(wav) + 0.8
            cues.append(f"{n + 1}\n{stamp(t)} --> {stamp(t + length)}\n{sentence}\n")
            t += length
            inputs += ["-loop", "1", "-t", f"{length:.3f}", "-i", str(base.parent / image)]
            inputs += ["-i", str(wav)]
            filters.append(f"[{2 * n}:v]fps=10,format=yuv420p[v{n}];[{2 * n + 1}:a]apad=whole_dur={length:.3f}[a{n}];")
        chain = "".join(filters) + "".join(f"[v{n}][a{n}]" for n in range(len(scenes)))
        chain += f"concat=n={len(scenes)}:v=1:a=1[v][a]"
        run("ffmpeg", "-y", "-loglevel", "error", *inputs, "-filter_complex", chain, "-map", "[v]", "-map", "[a]",
            "-c:v", "libx264", "-preset", "veryslow", "-tune", "stillimage", "-crf", "32",
            "-c:a", "aac", "-b:a", "32k", "-ac", "1", "-movflags", "+faststart", str(base.with_suffix(".mp4")))
        base.with_suffix(".vtt").write_text("WEBVTT\n\n" + "\n".join(cues), encoding="utf-8")
        run("ffmpeg", "-y", "-loglevel", "error", "-i", str(base.parent / scenes[0][0]),
            str(base.with_name(base.name + "-poster.png")))
        poster = base.with_name(base.name + "-poster.png")
        Image.open(poster).convert("RGB").quantize(colors=24).save(poster, optimize=True)


def main() -> None:
    for rel, (header, items) in SCREENS.items():
        draw_screen(ROOT / rel, header, items)
    print(f"{len(SCREENS)} screens drawn")
    if "--images" not in sys.argv:
        for rel, scenes in VIDEOS.items():
            make_video(ROOT / rel, scenes)
            print(f"{rel}.mp4: {(ROOT / rel).with_suffix('.mp4').stat().st_size // 1024} KB")


if __name__ == "__main__":
    main()
