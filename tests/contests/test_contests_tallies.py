"""The locality board reads per-locality tallies kept in step with the best results: after
first submits, improvements, a worse second attempt and a voided participant they equal a count
over the results themselves, a rebuild gives the same rows, and a commune moved to another district
is counted where the tree puts it now."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, select

from app.contests import attempts, boards
from app.contests import service as contest_service
from app.contests.models import ContestBestResult, ContestEntry, ContestLocalityTally, ContestRound
from app.core.extensions import db
from app.localities.models import Locality
from app.localities.service import get_by_code
from tests.contests.conftest import NOW, option_values


def _tallies(round_id: int) -> dict:
    T = ContestLocalityTally
    return {
        (r.grp, r.locality_id): (r.participants, r.score_sum)
        for r in db.session.execute(select(T).where(T.round_id == round_id)).scalars()
        if r.participants
    }


def _counted(round_id: int) -> dict:
    R = ContestBestResult
    rows = db.session.execute(
        select(R.grp, R.locality_id, func.count(), func.sum(R.score))
        .where(R.round_id == round_id, R.voided.is_(False))
        .group_by(R.grp, R.locality_id)
    )
    return {(grp, loc): (n, int(total)) for grp, loc, n, total in rows}


def _take(round_, person_id: int, right: int, seconds: int) -> None:
    attempt = attempts.start_attempt(round_, person_id, now=NOW + timedelta(seconds=seconds))
    answers = {str(item["id"]): option_values(item, [0 if i < right else 1])
               for i, item in enumerate(attempt.questions)}
    attempts.submit_attempt(attempt, answers, 2, now=NOW + timedelta(seconds=seconds + 30))
    db.session.commit()


def test_tallies_follow_submits_improvements_and_voids(app, world, register, make_locality):
    make_locality("90102", "Xã Mới", "Xã", parent="901")
    make_locality("9010201", "Ấp Mới", "Ấp", parent="90102")
    people = [
        register(name="Trần Văn A", locality="9010101"),
        register(name="Trần Văn B", locality="9010101"),
        register(name="Trần Thị C", locality="9020101"),
        register(name="Trần Thị D", locality="9010201", grp="official"),
        register(name="Trần Văn E", locality="9010201"),
    ]
    with app.app_context():
        round_ = db.session.get(ContestRound, world["round_id"])
        rid = round_.id
        for i, person in enumerate(people):
            _take(round_, person.id, right=i + 1, seconds=10 * i)
        assert _tallies(rid) == _counted(rid)
        _take(round_, people[0].id, right=5, seconds=100)  # improves: 1 -> 5
        _take(round_, people[4].id, right=0, seconds=200)  # worse: the best stays 5
        assert _tallies(rid) == _counted(rid)
        entry = db.session.scalar(select(ContestEntry).where(ContestEntry.user_id == people[2].id))
        contest_service.void_entry(entry, None, "Thi hộ")
        db.session.commit()
        assert _tallies(rid) == _counted(rid)
        kept = _tallies(rid)
        boards.rebuild_tallies(round_)
        db.session.commit()
        assert _tallies(rid) == kept

        province = get_by_code("90")
        by_code = {r["locality"].code: r for r in boards.locality_board(round_, province)}
        assert (by_code["901"]["participants"], by_code["902"]["participants"]) == (4, 0)
        assert by_code["901"]["avg_score"] == (5 + 2 + 4 + 5) / 4
        assert boards.locality_board(round_, province, grp="official")[0]["participants"] == 1
        assert contest_service.participants_in(get_by_code("90102"), round_) == 2

        # The new commune moves to the other district: the board follows the current tree.
        commune, village = get_by_code("90102"), get_by_code("9010201")
        district = get_by_code("902")
        commune.parent_id, commune.path = district.id, district.path + "90102/"
        village.path = commune.path + "9010201/"
        db.session.commit()
        by_code = {r["locality"].code: r for r in boards.locality_board(round_, db.session.get(Locality, province.id))}
        assert (by_code["901"]["participants"], by_code["902"]["participants"]) == (2, 2)


def test_a_commune_moved_by_the_locality_import_moves_its_results_on_subtree_boards(app, world, register):
    """The best results keep a copy of the participant's locality path for subtree boards; a
    re-parenting import refreshes it, so the district board of a running round follows the move."""
    from app.core.tabular import read_table
    from app.localities.service import IMPORT_COLUMNS, import_localities

    person = register(name="Lý Văn Dời", locality="9010101")
    with app.app_context():
        round_ = db.session.get(ContestRound, world["round_id"])
        _take(round_, person.id, right=3, seconds=0)
        assert boards.board_page(round_, "citizen", locality=get_by_code("901"))[1] == 1
        data = "code,name,type,parent_code\n90101,Xã Tân Thành,Xã,902\n".encode()
        report = import_localities(read_table(data, "move.csv", IMPORT_COLUMNS))
        assert not report.errors
        db.session.commit()
        round_ = db.session.get(ContestRound, world["round_id"])
        assert boards.board_page(round_, "citizen", locality=get_by_code("901"))[1] == 0
        assert boards.board_page(round_, "citizen", locality=get_by_code("902"))[1] == 1
        assert contest_service.participants_in(get_by_code("902"), round_) == 1
