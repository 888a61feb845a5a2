"""Search that understands people: 30 everyday wordings (no accents, typos, filler words, the
words a citizen or a helper would type) and the lesson each must find first."""
from __future__ import annotations

from app.learn.progress import published_courses
from app.learn.search import normalize, rank_lessons

CASES = [
    # birth registration (the issue's own examples first)
    ("lam giay khai sinh", "lien-thong-khai-sinh"),
    ("khai sinh cho con", "lien-thong-khai-sinh"),
    ("dang ki khai sinh", "lien-thong-khai-sinh"),
    ("khai sin cho be", "lien-thong-khai-sinh"),
    ("làm khai sinh trên mạng thế nào", "lien-thong-khai-sinh"),
    ("nhap khau cho con moi de", "lien-thong-khai-sinh"),
    ("the bao hiem y te cho tre", "lien-thong-khai-sinh"),
    # VNeID and the public-service account
    ("vneid muc 2", "kich-hoat-vneid-muc-2"),
    ("kich hoat vneid", "kich-hoat-vneid-muc-2"),
    ("dinh danh dien tu muc hai", "kich-hoat-vneid-muc-2"),
    ("cai dat vnied", "kich-hoat-vneid-muc-2"),
    ("dang nhap bang vneid", "dang-nhap-bang-vneid"),
    ("quet ma qr", "dang-nhap-bang-vneid"),
    ("tao tai khoan dich vu cong", "tao-tai-khoan-dvc"),
    ("dang ky tai khoan dvc", "tao-tai-khoan-dvc"),
    ("mo tai khoan cong dich vu cong quoc gia", "tao-tai-khoan-dvc"),
    # files and payments
    ("xem ho so den dau roi", "tra-cuu-ho-so"),
    ("tra cuu ho so", "tra-cuu-ho-so"),
    ("nop le phi online", "nop-phi-truc-tuyen"),
    ("bien lai dien tu", "nop-phi-truc-tuyen"),
    ("tra tien dien", "tra-tien-dien-nuoc"),
    ("đóng tiền nước hàng tháng", "tra-tien-dien-nuoc"),
    ("dong hoc phi cho chau", "tra-tien-dien-nuoc"),
    ("thanh toan hoa don dien", "tra-tien-dien-nuoc"),
    # safety and reports
    ("lua dao qua dien thoai", "nhan-biet-lua-dao"),
    ("cuoc goi gia danh cong an", "nhan-biet-lua-dao"),
    ("bi lua chuyen tien roi", "nhan-biet-lua-dao"),
    ("phan anh hien truong", "phan-anh-binh-phuoc-today"),
    ("bao duong hu o ap", "phan-anh-binh-phuoc-today"),
    ("gui kien nghi len tinh", "phan-anh-binh-phuoc-today"),
]


def test_the_list_has_thirty_queries():
    assert len(CASES) == 30
    assert len({query for query, _slug in CASES}) == 30


def test_everyday_wordings_find_their_lesson_first(ctx, shipped):
    lessons = [lesson for course in published_courses() for lesson in course.lessons]
    misses = []
    for query, expected in CASES:
        hits = rank_lessons(query, lessons)
        if not hits or hits[0].lesson.slug != expected:
            misses.append((query, expected, [(h.lesson.slug, round(h.score, 2)) for h in hits[:3]]))
    assert misses == []


def test_unrelated_words_find_nothing(ctx, shipped):
    lessons = [lesson for course in published_courses() for lesson in course.lessons]
    assert rank_lessons("bong da world cup", lessons) == []
    assert rank_lessons("xe may", lessons) == []


def test_spelling_variants_are_one_word():
    assert normalize("Đăng ký") == normalize("dang ki") == ["dang", "ki"]
    assert normalize("VNeID") == ["vneid"]


def test_the_catalogue_lists_the_best_lesson_first(client, shipped):
    html = client.get("/learn/?q=khai+sinh+cho+con").get_data(as_text=True)
    assert 'data-testid="lesson-lien-thong-khai-sinh"' in html
    first = html.index('data-testid="lesson-')
    assert html[first:].startswith('data-testid="lesson-lien-thong-khai-sinh"')
    html = client.get("/learn/?q=lam+giay+khai+sinh").get_data(as_text=True)
    assert 'id="no-results"' not in html


def test_synonyms_must_be_a_list_of_short_texts(ctx, course_copy):
    from app.learn.content import check_content

    lesson = course_copy / "tai-khoan-dich-vu-cong" / "kich-hoat-vneid-muc-2.md"
    text = lesson.read_text(encoding="utf-8")
    lesson.write_text(text.replace("synonyms:\n", "synonyms: VNeID mức 2\nx_old_synonyms:\n", 1), encoding="utf-8")
    _courses, errors = check_content(course_copy)
    assert any("kich-hoat-vneid-muc-2.md" in str(e) and "synonyms must be a list" in str(e) for e in errors)
