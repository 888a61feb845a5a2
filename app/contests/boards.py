"""Leaderboards: the live board of a round (Redis sorted sets or SQL, one interface), the final
board, the overall contest board, the locality board and the workplace-unit board.

Every order comes from ``app.contests.ranking``. SQL (``contest_best_results``) is the
system of record; with Redis configured each round/group has a sorted set
``cds:board:<round id>:<group>`` of packed scores, updated on each submit (only an improvement
replaces a score) and rebuilt from SQL by ``flask contests rebuild-boards``.

Losing Redis loses nothing: while it cannot be reached (``app.core.database.usable_redis``) boards
are read from SQL and submits write SQL only. A round's sets are trusted only while its marker
``cds:board:ready:<round id>`` holds the current Redis epoch (``app.core.database.EPOCH_KEY``,
bumped when a worker reaches Redis again after a failure); a read that finds the marker missing or
stale (Redis restarted empty, or submits missed while it was away) rebuilds the round from SQL once,
under a lock, and reads from SQL while another worker does it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from redis.exceptions import RedisError
from sqlalchemy import Integer, and_, bindparam, case, delete, func, insert, select, update
from sqlalchemy.orm import aliased

from app.accounts.models import WorkplaceUnit
from app.contests import ranking
from app.contests.models import (
    ContestBestResult,
    ContestEntry,
    ContestFinalRank,
    ContestLocalityTally,
    ContestRound,
)
from app.core.database import EPOCH_KEY, redis_epoch, redis_failed, usable_redis
from app.core.dialect import dialect_insert
from app.core.extensions import db
from app.core.text import collation_key, mask_name
from app.localities.models import VILLAGE_TYPES, Locality, place_label
from app.localities.service import subtree_clause

R = ContestBestResult
F = ContestFinalRank  # the frozen ranking of finalized rounds
T = ContestLocalityTally  # participants and score sums per round, group and own locality


def tally_upsert(dialect: str, best):
    """Add a best-result change to the locality tallies (same transaction as the change; caller
    commits). ``best`` is what the best-result upsert returned: a selectable with ``grp``,
    ``locality_id``, ``score``, ``previous_score`` (NULL for a new participant) and ``voided``;
    the round is the parameter ``round_id``. A new participant adds 1 to ``participants``, and the
    sum of best scores rises by the improvement; a voided participant counts nowhere. On
    PostgreSQL ``best`` is the upsert itself (a CTE of the submit's one statement), on SQLite a
    row of parameters named like its columns (``tally_source``)."""
    table = T.__table__.c
    source = select(
        bindparam("round_id", type_=Integer),
        best.c.grp,
        best.c.locality_id,
        case((best.c.previous_score.is_(None), 1), else_=0),
        best.c.score - func.coalesce(best.c.previous_score, 0),
    ).where(best.c.voided.is_(False))
    stmt = dialect_insert(dialect)(T).from_select(
        ["round_id", "grp", "locality_id", "participants", "score_sum"], source
    )
    return stmt.on_conflict_do_update(
        index_elements=["round_id", "grp", "locality_id"],
        set_={
            "participants": table.participants + stmt.excluded.participants,
            "score_sum": table.score_sum + stmt.excluded.score_sum,
        },
    )


def tally_source():
    """For ``tally_upsert`` where the best-result row is in Python: its values as parameters."""
    columns = R.__table__.c
    return select(
        *(bindparam(name, type_=columns[name].type).label(name)
          for name in ("grp", "locality_id", "score", "previous_score", "voided"))
    ).subquery("best")


def remove_from_tallies(results: list) -> None:
    """Take voided best results (rows with ``round_id, grp, locality_id, score``) out of the
    tallies (caller commits)."""
    if results:
        t = T.__table__.c  # Core: an executemany, not the ORM's bulk update by primary key
        db.session.connection().execute(
            update(T.__table__)
            .where(t.round_id == bindparam("r"), t.grp == bindparam("g"), t.locality_id == bindparam("l"))
            .values(participants=t.participants - 1, score_sum=t.score_sum - bindparam("s")),
            [{"r": r.round_id, "g": r.grp, "l": r.locality_id, "s": r.score} for r in results],
        )


def rebuild_tallies(round_: ContestRound) -> int:
    """Recompute the round's locality tallies from ``contest_best_results``; returns the rows written."""
    db.session.execute(delete(T).where(T.round_id == round_.id).execution_options(synchronize_session=False))
    rows = db.session.execute(
        select(R.round_id, R.grp, R.locality_id, func.count(), func.sum(R.score))
        .where(R.round_id == round_.id, R.voided.is_(False))
        .group_by(R.round_id, R.grp, R.locality_id)
    ).all()
    if rows:
        db.session.execute(
            insert(T),
            [{"round_id": r[0], "grp": r[1], "locality_id": r[2], "participants": r[3], "score_sum": r[4]}
             for r in rows],
        )
    return len(rows)


def _live_filter(round_: ContestRound, grp: str):
    return and_(R.round_id == round_.id, R.grp == grp, R.voided.is_(False))


class SqlBoard:
    """Live boards computed from ``contest_best_results`` with the indexed ORDER BY."""

    name = "sql"

    def record(self, round_: ContestRound, result: ContestBestResult) -> None:
        """Nothing to do: the SQL row is the board."""

    def remove(self, round_: ContestRound, grp: str, user_id: int) -> None:
        """Nothing to do: voided rows are filtered out."""

    def forget_shown(self, round_: ContestRound, grp: str, user_id: int) -> None:
        """Nothing to forget: SQL boards read every shown row afresh."""

    def page(self, round_: ContestRound, grp: str, offset: int, limit: int) -> tuple[list[int], int]:
        ids = list(
            db.session.scalars(
                select(R.user_id)
                .where(_live_filter(round_, grp))
                .order_by(*ranking.order_by(ranking.live_criteria(round_.criteria)))
                .offset(offset)
                .limit(limit)
            )
        )
        total = db.session.scalar(select(func.count()).select_from(R).where(_live_filter(round_, grp)))
        return ids, total or 0

    def rank_of(self, round_: ContestRound, grp: str, user_id: int) -> int | None:
        row = db.session.scalar(select(R).where(_live_filter(round_, grp), R.user_id == user_id))
        if row is None:
            return None
        ahead = db.session.scalar(
            select(func.count())
            .select_from(R)
            .where(_live_filter(round_, grp), ranking.ahead_of_clause(round_.criteria, row))
        )
        return (ahead or 0) + 1

    def rebuild(self, round_: ContestRound) -> int:
        return 0


class RedisBoard:
    """Live boards as Redis sorted sets of packed scores (lower is better).

    Next to each sorted set a hash ``cds:names:<round id>:<group>`` keeps, per member, what a
    public board shows: ``packed score, score, duration ms, masked name, locality label`` (joined
    with a unit separator). An improving submit drops the member's row in the same Lua script that
    lowers its score; a page fills missing rows from SQL once (HSETNX) and ignores a row whose
    packed score differs from the set's, so a page of unchanged rows is one Redis round-trip.
    """

    name = "redis"
    SEP = "\x1f"
    # Set the packed score only if it improves, and then forget the row shown with the old one.
    # While the round is being rebuilt (KEYS[3], the set being filled, exists) the score goes there
    # too, so a submit made during a rebuild is not lost when the new set replaces the old one.
    RECORD = """
local changed = 0
local cur = redis.call('ZSCORE', KEYS[1], ARGV[1])
if (not cur) or tonumber(ARGV[2]) < tonumber(cur) then
  redis.call('ZADD', KEYS[1], ARGV[2], ARGV[1])
  redis.call('HDEL', KEYS[2], ARGV[1])
  changed = 1
end
if redis.call('EXISTS', KEYS[3]) == 1 then
  local old = redis.call('ZSCORE', KEYS[3], ARGV[1])
  if (not old) or tonumber(ARGV[2]) < tonumber(old) then
    redis.call('ZADD', KEYS[3], ARGV[2], ARGV[1])
  end
end
return changed
"""

    # The viewer's position (0-based, -1 when absent), or -2 when the round's sets are not built for
    # the current epoch (KEYS[2] the marker, KEYS[3] the epoch).
    RANK = """
if redis.call('GET', KEYS[2]) ~= (redis.call('GET', KEYS[3]) or '0') then return -2 end
local at = redis.call('ZRANK', KEYS[1], ARGV[1])
if at then return at end
return -1
"""

    # One page in one round-trip: total, then members, packed scores and shown rows, each list
    # joined into one string (cheap to parse for a page of 100–200 rows), then the position of
    # the viewer ARGV[3] (0-based, -1 when absent or no viewer). A total of -1: the round's sets are
    # not built for the current epoch (KEYS[3] the marker, KEYS[4] the epoch).
    PAGE = """
if redis.call('GET', KEYS[3]) ~= (redis.call('GET', KEYS[4]) or '0') then
  return {-1, '', '', '', -1}
end
local me = -1
if ARGV[3] ~= '' then
  local at = redis.call('ZRANK', KEYS[1], ARGV[3])
  if at then me = at end
end
local rows = redis.call('ZRANGE', KEYS[1], ARGV[1], ARGV[2], 'WITHSCORES')
local members, scores = {}, {}
for i = 1, #rows, 2 do
  members[#members + 1] = rows[i]
  scores[#scores + 1] = rows[i + 1]
end
local shown = {}
if #members > 0 then
  local values = redis.call('HMGET', KEYS[2], unpack(members))
  for i = 1, #members do shown[i] = values[i] or '' end
end
return {redis.call('ZCARD', KEYS[1]), table.concat(members, ','), table.concat(scores, ','),
        table.concat(shown, '\\n'), me}
"""

    def __init__(self, client):
        self.client = client

    @staticmethod
    def key(round_id: int, grp: str) -> str:
        return f"cds:board:{round_id}:{grp}"

    @staticmethod
    def names_key(round_id: int, grp: str) -> str:
        return f"cds:names:{round_id}:{grp}"

    @staticmethod
    def ready_key(round_id: int) -> str:
        return f"cds:board:ready:{round_id}"

    @staticmethod
    def member(user_id: int) -> str:
        return f"{user_id:010d}"

    def ensure_built(self, round_: ContestRound) -> bool:
        """Rebuild the round's sets from SQL unless another worker is doing it (a lock of two
        minutes); True when they are now built, False when the caller should read SQL instead."""
        lock = f"cds:board:rebuilding:{round_.id}"
        try:
            if not self.client.set(lock, "1", nx=True, ex=120):
                return False
            try:
                self.rebuild(round_)
            finally:
                self.client.delete(lock)
        except RedisError as exc:
            redis_failed(exc)
            return False
        return True

    def _script(self, name: str = "RECORD"):
        attribute = f"_cds_board_{name.lower()}"
        script = getattr(self.client, attribute, None)
        if script is None:
            script = self.client.register_script(getattr(self, name))
            setattr(self.client, attribute, script)
        return script

    def record(self, round_: ContestRound, result) -> None:
        """Record an improved best result (only an improvement replaces the board's score)."""
        packed = ranking.packed_score(round_.criteria, result.score, result.duration_ms, result.submitted_s)
        # The shown row is dropped with an improvement and read again from SQL by the next page
        # that needs it (no extra SQL on the submit path).
        key = self.key(round_.id, result.grp)
        try:
            self._script()(
                keys=[key, self.names_key(round_.id, result.grp), key + ":rebuild"],
                args=[self.member(result.user_id), packed],
            )
        except RedisError as exc:  # the result is in SQL; the board is rebuilt when Redis is back
            redis_failed(exc)

    def remove(self, round_: ContestRound, grp: str, user_id: int) -> None:
        key = self.key(round_.id, grp)
        try:
            pipe = self.client.pipeline(transaction=False)
            pipe.zrem(key, self.member(user_id))
            pipe.zrem(key + ":rebuild", self.member(user_id))
            pipe.hdel(self.names_key(round_.id, grp), self.member(user_id))
            pipe.execute()
        except RedisError as exc:  # voided in SQL; the board is rebuilt when Redis is back
            redis_failed(exc)

    def forget_shown(self, round_: ContestRound, grp: str, user_id: int) -> None:
        """Drop the pre-rendered row shown for ``user_id`` (its name changed, e.g. the person
        deleted their account): the next page read renders it again from SQL. The rank stays."""
        try:
            self.client.hdel(self.names_key(round_.id, grp), self.member(user_id))
        except RedisError as exc:  # the board is rebuilt when Redis is back
            redis_failed(exc)

    def page(self, round_: ContestRound, grp: str, offset: int, limit: int) -> tuple[list[int], int]:
        key = self.key(round_.id, grp)
        for _ in range(2):
            try:
                pipe = self.client.pipeline(transaction=False)
                pipe.get(self.ready_key(round_.id))
                pipe.get(EPOCH_KEY)
                pipe.zrange(key, offset, offset + limit - 1)
                pipe.zcard(key)
                ready, epoch, members, total = pipe.execute()
            except RedisError as exc:
                redis_failed(exc)
                break
            if ready is not None and ready == (epoch or "0"):
                return [int(m) for m in members], total
            if not self.ensure_built(round_):
                break
        return SqlBoard().page(round_, grp, offset, limit)

    def page_entries(
        self, round_: ContestRound, grp: str, offset: int, limit: int, viewer: int | None = None
    ) -> tuple[list[BoardEntry], int, int | None] | None:
        """A public page straight from Redis, with the total and ``viewer``'s rank (ZRANK + ZRANGE
        WITHSCORES + HMGET + ZCARD in one round-trip); members missing from the hash (or described
        with another score) are read from SQL once. None when Redis cannot answer (unreachable, or
        the round's sets are being rebuilt by another worker): the caller reads SQL."""
        key, names = self.key(round_.id, grp), self.names_key(round_.id, grp)
        for _ in range(2):
            try:
                total, joined_members, joined_scores, joined_shown, me = self._script("PAGE")(
                    keys=[key, names, self.ready_key(round_.id), EPOCH_KEY],
                    args=[offset, offset + limit - 1, "" if viewer is None else self.member(viewer)],
                )
            except RedisError as exc:
                redis_failed(exc)
                return None
            if total >= 0:
                break
            if not self.ensure_built(round_):
                return None
        else:
            return None
        own = None if me < 0 else me + 1
        if not joined_members:
            return [], total, own
        members = list(zip(joined_members.split(","), (float(x) for x in joined_scores.split(",")), strict=True))
        values = joined_shown.split("\n")
        out: list[BoardEntry | None] = []
        missing: list[int] = []
        for i, ((member, packed), value) in enumerate(zip(members, values, strict=True)):
            parts = value.split(self.SEP) if value else None
            if parts is None or len(parts) != 5 or int(parts[0]) != int(packed):
                missing.append(i)
                out.append(None)
                continue
            out.append(
                BoardEntry(offset + 1 + i, int(member), parts[3], "", parts[4], None, int(parts[1]),
                           int(parts[2]), None, None)
            )
        if missing:
            ids = [int(members[i][0]) for i in missing]
            found = {e.user_id: e for e in _entries(round_, ids, 0)}
            fill = {}
            for i in missing:
                uid = int(members[i][0])
                entry = found.get(uid)
                if entry is None:
                    continue
                entry.rank = offset + 1 + i
                out[i] = entry
                packed = ranking.packed_score(round_.criteria, entry.score, entry.duration_ms,
                                              entry.submitted_s)
                if packed == int(members[i][1]):
                    fill[members[i][0]] = self.SEP.join(
                        [str(packed), str(entry.score), str(entry.duration_ms), entry.name, entry.locality]
                    )
            try:
                for member, value in fill.items():
                    self.client.hsetnx(names, member, value)
            except RedisError as exc:
                redis_failed(exc)
        return [e for e in out if e is not None], total, own

    def rank_of(self, round_: ContestRound, grp: str, user_id: int) -> int | None:
        keys = [self.key(round_.id, grp), self.ready_key(round_.id), EPOCH_KEY]
        for _ in range(2):
            try:
                rank = self._script("RANK")(keys=keys, args=[self.member(user_id)])
            except RedisError as exc:
                redis_failed(exc)
                break
            if rank != -2:
                return None if rank < 0 else rank + 1
            if not self.ensure_built(round_):
                break
        return SqlBoard().rank_of(round_, grp, user_id)

    # A member no score can reach: it keeps a set being rebuilt in existence from the start, so that
    # submits recorded meanwhile (``RECORD``) land in it too.
    PLACEHOLDER = "~rebuilding"

    def rebuild(self, round_: ContestRound) -> int:
        """Replace the round's sorted sets with the SQL best results (streamed in batches), then
        mark the round built for the epoch read before reading SQL."""
        count = 0
        epoch = redis_epoch(self.client)
        for grp in round_.contest.groups:
            key = self.key(round_.id, grp)
            tmp = key + ":rebuild"
            self.client.delete(tmp)
            self.client.zadd(tmp, {self.PLACEHOLDER: float("inf")})
            batch: dict[str, int] = {}
            rows = db.session.execute(
                select(R.user_id, R.score, R.duration_ms, R.submitted_s).where(_live_filter(round_, grp))
            ).yield_per(10000)
            for user_id, score, duration, submitted in rows:
                batch[self.member(user_id)] = ranking.packed_score(
                    round_.criteria, score, duration, submitted
                )
                if len(batch) >= 10000:
                    self.client.zadd(tmp, batch, lt=True)
                    count += len(batch)
                    batch = {}
            if batch:
                self.client.zadd(tmp, batch, lt=True)
                count += len(batch)
            self.client.zrem(tmp, self.PLACEHOLDER)
            if self.client.exists(tmp):
                self.client.rename(tmp, key)
            else:
                self.client.delete(key)
            self.client.delete(self.names_key(round_.id, grp))  # refilled from SQL on reads
        self.client.set(self.ready_key(round_.id), epoch)
        return count


def get_board() -> SqlBoard | RedisBoard:
    """The live-board backend in use: Redis when REDIS_URL is set and Redis answers, else SQL."""
    client = usable_redis()
    return RedisBoard(client) if client is not None else SqlBoard()


@dataclass
class BoardEntry:
    rank: int
    user_id: int
    name: str
    full_name: str
    locality: str
    unit: str | None
    score: int
    duration_ms: int
    prediction: int | None
    prize: str | None
    submitted_s: int = 0

    def prediction_error(self, actual: int | None) -> int | None:
        """How far the prediction was from the round's true all-correct count (a tie-break)."""
        return None if self.prediction is None or actual is None else abs(self.prediction - actual)

    def submitted_at(self, opens_at: datetime) -> datetime:
        """When the counted attempt was submitted (``submitted_s`` after the round opened)."""
        return opens_at + timedelta(seconds=self.submitted_s)


Parent = aliased(Locality)


# A village with fewer participants in the round than this is not named next to a masked name on
# a public board (its commune is): in a small village a masked name would still say who it is.
MIN_VILLAGE_PARTICIPANTS = 50


def _small_villages(round_: ContestRound, villages: set[int]) -> set[int]:
    """Those of ``villages`` with fewer than ``MIN_VILLAGE_PARTICIPANTS`` in the round (tallies)."""
    if not villages:
        return set()
    counts: dict[int, int] = {
        locality_id: int(total or 0) for locality_id, total in db.session.execute(
            select(T.locality_id, func.sum(T.participants))
            .where(T.round_id == round_.id, T.locality_id.in_(villages))
            .group_by(T.locality_id)
        ).tuples()
    }
    return {v for v in villages if (counts.get(v) or 0) < MIN_VILLAGE_PARTICIPANTS}


def _entries(round_: ContestRound, user_ids: list[int], first_rank: int) -> list[BoardEntry]:
    """Board rows of ``user_ids`` (in that order) with only the columns a board shows."""
    if not user_ids:
        return []
    rows = db.session.execute(
        select(
            R.user_id, R.score, R.duration_ms, R.submitted_s, R.prediction, F.final_rank, F.prize,
            ContestEntry.full_name, Locality.type, Locality.name, WorkplaceUnit.name.label("unit"),
            Parent.type.label("parent_type"), Parent.name.label("parent_name"), R.locality_id,
        )
        .join(ContestEntry, ContestEntry.id == R.entry_id)
        .join(Locality, Locality.id == R.locality_id)
        .outerjoin(F, and_(F.round_id == R.round_id, F.user_id == R.user_id))
        .outerjoin(Parent, Parent.id == Locality.parent_id)
        .outerjoin(WorkplaceUnit, WorkplaceUnit.id == R.workplace_unit_id)
        .where(R.round_id == round_.id, R.user_id.in_(user_ids))
    ).all()
    by_user = {r.user_id: r for r in rows}
    small = _small_villages(round_, {r.locality_id for r in rows if r.type in VILLAGE_TYPES})
    out = []
    for i, uid in enumerate(user_ids):
        res = by_user.get(uid)
        if res is None:
            continue
        out.append(
            BoardEntry(
                res.final_rank or first_rank + i,
                uid,
                mask_name(res.full_name),
                res.full_name,
                (f"{res.parent_type} {res.parent_name}" if res.locality_id in small and res.parent_name
                 else place_label(res.type, res.name, res.parent_type, res.parent_name)),
                res.unit,
                res.score,
                res.duration_ms,
                res.prediction,
                res.prize,
                res.submitted_s,
            )
        )
    return out


def board_page(
    round_: ContestRound,
    grp: str,
    offset: int = 0,
    limit: int = 50,
    locality: Locality | None = None,
    viewer: int | None = None,
) -> tuple[list[BoardEntry], int, int | None]:
    """One page of a round's board for ``grp``, its total, and ``viewer``'s own rank (None without
    a viewer or when the viewer has no result).

    Finalized rounds show the frozen final ranking; open rounds the live one (Redis or SQL; with
    Redis the page and the viewer's rank are one round-trip). With ``locality`` the board is
    restricted to that subtree (read from SQL) and ranks are positions within it; the viewer's
    rank stays the one on the whole board (``own_rank``).
    """
    limit = max(1, min(limit, 200))
    offset = max(0, offset)
    if round_.finalized_at is None and locality is None:
        board = get_board()
        if isinstance(board, RedisBoard):
            found = board.page_entries(round_, grp, offset, limit, viewer)
            if found is not None:
                return found  # else Redis cannot answer now: the page comes from SQL below
    own = None if viewer is None else own_rank(round_, grp, viewer)
    if round_.finalized_at is not None and locality is None:
        frozen = and_(F.round_id == round_.id, F.grp == grp)
        ids = list(
            db.session.scalars(
                select(F.user_id).where(frozen).order_by(F.final_rank).offset(offset).limit(limit)
            )
        )
        total = db.session.scalar(select(func.count()).select_from(F).where(frozen)) or 0
        return _entries(round_, ids, offset + 1), total, own
    if round_.finalized_at is not None or locality is not None:
        where = [_live_filter(round_, grp)]
        if locality is not None:
            where.append(subtree_clause(R.locality_path, locality.path))
        order = ranking.order_by(
            round_.criteria if round_.finalized_at else ranking.live_criteria(round_.criteria),
            round_.all_correct_count,
        )
        ids = list(
            db.session.scalars(select(R.user_id).where(*where).order_by(*order).offset(offset).limit(limit))
        )
        total = db.session.scalar(select(func.count()).select_from(R).where(*where)) or 0
        entries = _entries(round_, ids, offset + 1)
        if locality is not None:
            for i, entry in enumerate(entries):
                entry.rank = offset + 1 + i
        return entries, total, own
    ids, total = SqlBoard().page(round_, grp, offset, limit)  # SQL is the board, or Redis cannot answer
    return _entries(round_, ids, offset + 1), total, own


def own_rank(round_: ContestRound, grp: str, user_id: int) -> int | None:
    """The position of ``user_id`` on the round's board (final when finalized), or None."""
    if round_.finalized_at is not None:
        return db.session.scalar(
            select(F.final_rank).where(F.round_id == round_.id, F.grp == grp, F.user_id == user_id)
        )
    return get_board().rank_of(round_, grp, user_id)


def overall_board(contest, grp: str, offset: int = 0, limit: int = 50) -> tuple[list[dict], int]:
    """The contest board: total of best scores over every round, then total duration, then user id.

    It uses the ranking's score and duration criteria on the summed values.
    """
    round_ids = [r.id for r in contest.rounds]
    if not round_ids:
        return [], 0
    where = and_(R.round_id.in_(round_ids), R.grp == grp, R.voided.is_(False))
    total_score = func.sum(R.score).label("score")
    total_duration = func.sum(R.duration_ms).label("duration")
    query = (
        select(R.user_id, total_score, total_duration, func.count(R.id).label("rounds"))
        .where(where)
        .group_by(R.user_id)
        .order_by(total_score.desc(), total_duration, R.user_id)
    )
    rows = db.session.execute(query.offset(offset).limit(limit)).all()
    total = db.session.scalar(select(func.count(func.distinct(R.user_id))).where(where)) or 0
    entries = {
        e.user_id: e
        for e in db.session.scalars(
            select(ContestEntry).where(
                ContestEntry.contest_id == contest.id, ContestEntry.user_id.in_([r.user_id for r in rows])
            )
        )
    }
    out = []
    for i, row in enumerate(rows):
        entry = entries.get(row.user_id)
        out.append(
            {
                "rank": offset + i + 1,
                "name": mask_name(entry.full_name) if entry else "",
                "locality": entry.locality.place_label if entry else "",
                "score": int(row.score),
                "duration_ms": int(row.duration),
                "rounds": row.rounds,
            }
        )
    return out, total


def participation_rate(participants: int, members: int | None) -> float | None:
    """The participation rate of a unit in a round: its participants (people with a non-voided
    result in the round) divided by its members (the unit's registered ``headcount``), 0–1 and
    above 1 when the headcount is out of date; None when the headcount is unknown or 0. Used by
    the locality and unit boards and the collective prizes."""
    return participants / members if members else None


def locality_board(round_: ContestRound, parent: Locality, grp: str | None = None) -> list[dict]:
    """Participants, participation rate (against ``headcount``) and average score of each unit
    directly under ``parent``, each counted over the child's subtree of the current tree (from
    ``ContestLocalityTally``), best participation rate first."""
    kids = list(
        db.session.scalars(select(Locality).where(Locality.parent_id == parent.id).order_by(Locality.name))
    )
    with_children = (
        set(
            db.session.scalars(
                select(Locality.parent_id).where(Locality.parent_id.in_([k.id for k in kids])).distinct()
            )
        )
        if kids
        else set()
    )
    # The round's tallies (one row per group and participants' own locality) added up by the
    # current path prefix at the children's level: a few thousand rows, never the results.
    where = [T.round_id == round_.id, subtree_clause(Locality.path, parent.path)]
    if grp:
        where.append(T.grp == grp)
    tallies: dict[str, tuple[int, float | None]] = {}
    for length in sorted({len(k.path) for k in kids}):
        prefix = func.substr(Locality.path, 1, length)
        for path, n, total in db.session.execute(
            select(prefix, func.sum(T.participants), func.sum(T.score_sum))
            .join(Locality, Locality.id == T.locality_id)
            .where(*where)
            .group_by(prefix)
        ):
            tallies[path.decode() if isinstance(path, bytes) else path] = (int(n or 0), total)
    rows: list[dict[str, Any]] = []
    for loc in kids:
        n, total = tallies.get(loc.path, (0, None))
        avg = (total / n) if n and total is not None else None
        rows.append(
            {
                "locality": loc,
                "participants": n,
                "headcount": loc.headcount,
                "rate": participation_rate(n, loc.headcount),
                "avg_score": float(avg) if avg is not None else None,
                "has_children": loc.id in with_children,
            }
        )
    rows.sort(key=lambda r: (-(r["rate"] or 0), -r["participants"], collation_key(r["locality"].label),
                             r["locality"].code))
    return rows


def unit_board(
    round_: ContestRound, min_rate: float | None = None, within: Locality | None = None
) -> list[dict]:
    """Workplace units of officials: participation rate (participants / headcount), then average
    score; units under ``min_rate`` (0–1) are left out when it is given."""
    query = (
        select(WorkplaceUnit.id, func.count(R.id), func.avg(R.score))
        .join(R, R.workplace_unit_id == WorkplaceUnit.id)
        .where(R.round_id == round_.id, R.voided.is_(False), R.grp == "official")
        .group_by(WorkplaceUnit.id)
    )
    if within is not None:
        query = query.join(Locality, Locality.id == WorkplaceUnit.locality_id).where(
            subtree_clause(Locality.path, within.path)
        )
    found = db.session.execute(query).all()
    units = (
        {
            u.id: u
            for u in db.session.scalars(
                select(WorkplaceUnit).where(WorkplaceUnit.id.in_([r[0] for r in found]))
            )
        }
        if found
        else {}
    )
    rows = []
    for unit_id, n, avg in found:
        unit = units[unit_id]
        rate = participation_rate(n, unit.headcount)
        if min_rate is not None and (rate or 0) < min_rate:
            continue
        rows.append(
            {
                "unit": unit,
                "participants": n,
                "headcount": unit.headcount,
                "rate": rate,
                "avg_score": float(avg or 0),
            }
        )
    rows.sort(key=lambda r: (-(r["rate"] or 0), -r["avg_score"], collation_key(r["unit"].name), r["unit"].id))
    return rows


def rebuild_boards(rounds: list[ContestRound]) -> int:
    """Rebuild the locality tallies and (with Redis) the live boards of ``rounds`` from SQL;
    returns the number of board entries written to Redis."""
    board = get_board()
    for round_ in rounds:
        rebuild_tallies(round_)
    try:
        return sum(board.rebuild(r) for r in rounds)
    except RedisError as exc:  # rebuilt from SQL on their next read once Redis answers
        redis_failed(exc)
        return 0
