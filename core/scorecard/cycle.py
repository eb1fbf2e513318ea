"""The cycle of a period after evaluation: publish a run, lodge and decide appeals within the
rule set's windows, adjust, close (sign-off) and reopen.

Every step is one new row of the append-only ``cycle_events`` table in the same SQLite store as
the runs (nothing is updated or deleted), written in one ``BEGIN IMMEDIATE`` transaction that
first re-reads the period's state, so two processes cannot both act on a stale state and a crash
leaves the last completed step. The published run is never changed: the **final result** of a
period is the published run with the decisions (upheld appeals, adjustments) applied through the
rules, recomputed from the store alone (:func:`final_results`).

Library API for other commands and reports: :func:`period_status`, :func:`final_results`,
:func:`period_results` (what a roll-up reads), :func:`appeal_deadline`,
:func:`answer_deadline`, :func:`ensure_open`.
"""

import contextlib
import json
import tomllib
from datetime import date, datetime
from decimal import Decimal
from fractions import Fraction
from pathlib import Path

import attrs

from .errors import ScorecardError
from .numbers import fmt, quantize, to_fraction
from .periods import Period
from .schema import did_you_mean
from .store import now_text
from .workdays import WorkCalendar

SCHEMA = """
CREATE TABLE IF NOT EXISTS cycle_events (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    dataset TEXT NOT NULL, period TEXT NOT NULL, kind TEXT NOT NULL,
    publication INTEGER, run_id INTEGER, employee_id TEXT, item_id TEXT, appeal_id INTEGER,
    mode TEXT, value TEXT, reason TEXT, actor TEXT NOT NULL, on_date TEXT, at TEXT NOT NULL,
    deadline TEXT, answer_deadline TEXT, late INTEGER, data TEXT);
CREATE INDEX IF NOT EXISTS cycle_events__period ON cycle_events (dataset, period, id);
"""

#: what a row of cycle_events records
KINDS = ("published", "appeal", "decision", "adjustment", "closed", "reopened")
TOTAL = "total"  # the item id of an appeal or adjustment on the total


def today() -> date:
    """The site's local date (tests replace it to stand on a given day)."""
    return datetime.now().astimezone().date()


def ensure_schema(store):
    """Create the cycle's table (append-only: updates and deletes abort) if it is missing."""
    if store.has_table("cycle_events"):
        return  # no schema statement (and no write lock) on every step
    from .store import make_append_only

    # under the store's write lock (it waits for another writer instead of failing)
    with store.transaction():
        for statement in SCHEMA.split(";"):
            if statement.strip():
                store.conn.execute(statement)
        for op in ("UPDATE", "DELETE"):
            store.conn.execute(
                f"CREATE TRIGGER IF NOT EXISTS cycle_events_no_{op.lower()} BEFORE {op} ON "
                f"cycle_events BEGIN SELECT RAISE(ABORT, 'the pay cycle is append-only: "
                f"cycle_events cannot be changed'); END")
        # REPLACE deletes without firing DELETE triggers: refused on INSERT (reliability.md)
        make_append_only(store.conn, "cycle_events", "the pay cycle's events (append-only)")


@contextlib.contextmanager
def _immediate(store):
    """A write transaction taken before the state is read (BEGIN IMMEDIATE): a second process
    waits for the first instead of deciding on the state the first is changing."""
    # the store's write transaction: BEGIN IMMEDIATE, waiting for another writer (and saying
    # so) up to SCORECARD_BUSY_TIMEOUT instead of failing after 5 s
    with store.transaction() as conn:
        yield conn


# -- deadlines --------------------------------------------------------------------------------
def calendar_of(rs) -> WorkCalendar:
    return WorkCalendar.from_spec(rs.calendar)


def appeal_deadline(rs, published_on: date) -> date | None:
    """The last day to lodge an appeal against a run published on ``published_on``: the rule
    set's window (``[process]`` appeal_days, review_request_days or publicity_days) in working
    days on the site's calendar, the publication day not counted. None: no window is set, appeals
    are open until the period is closed."""
    days = rs.process.window_days
    return None if days is None else calendar_of(rs).add_working_days(published_on, days)


def answer_deadline(rs, lodged_on: date) -> date | None:
    """The day an appeal lodged on ``lodged_on`` should be answered by (``appeal_answer_days``
    working days), or None when the rule set sets no answer time."""
    days = rs.process.appeal_answer_days
    return None if days is None else calendar_of(rs).add_working_days(lodged_on, days)


# -- state ------------------------------------------------------------------------------------
@attrs.define
class Appeal:
    """One appeal of the current publication, with its decision (None while open)."""

    id: int
    employee_id: str
    item_id: str
    reason: str
    by: str
    lodged_on: date
    answer_by: date | None
    decision: dict | None = None

    @property
    def open(self) -> bool:
        return self.decision is None

    @property
    def status(self) -> str:
        """open, upheld or rejected (a decision without a change is a rejection); an open
        appeal past its answer deadline is "open, answer overdue"."""
        if self.decision is None:
            if self.answer_by is not None and today() > self.answer_by:
                return "open, answer overdue"
            return "open"
        return "upheld" if self.decision["mode"] else "rejected"

    def as_dict(self) -> dict:
        d = self.decision
        return {"id": self.id, "employee_id": self.employee_id, "item_id": self.item_id,
                "reason": self.reason, "by": self.by, "lodged_on": self.lodged_on.isoformat(),
                "answer_by": self.answer_by.isoformat() if self.answer_by else None,
                "status": self.status,
                "decision": None if d is None else {
                    k: d[k] for k in ("id", "mode", "value", "reason", "actor", "on_date",
                                      "late")}}


@attrs.define
class PeriodStatus:
    """Where a rule set's period stands: ``state`` is "not evaluated", "evaluated", "published"
    or "closed"; ``publication`` the current "published" event (None after a reopen), ``runs``
    the period's run ids, ``appeals`` those of the current publication."""

    dataset: str
    period: str
    state: str
    runs: list
    publication: dict | None = None
    closed: dict | None = None
    reopened: dict | None = None  # the last reopening, until the next publication
    deadline: date | None = None
    appeals: list = attrs.Factory(list)
    decisions: list = attrs.Factory(list)  # decision and adjustment events, in order
    events: list = attrs.Factory(list)  # every event of the period, in order

    @property
    def run_id(self) -> int | None:
        """The published run, else the latest run."""
        if self.publication is not None:
            return self.publication["run_id"]
        return self.runs[-1] if self.runs else None

    @property
    def open_appeals(self) -> list:
        return [a for a in self.appeals if a.open]

    def window_open(self, on: date) -> bool:
        return self.state == "published" and (self.deadline is None or on <= self.deadline)

    def describe(self, on: date | None = None) -> str:
        """One line: "published run 3 on 2026-11-02 by Li; appeals open until 2026-11-05"."""
        if self.state == "not evaluated":
            return "not evaluated"
        if self.state == "evaluated":
            text = f"evaluated (latest run {self.runs[-1]}), not published"
            if self.reopened is not None:
                r = self.reopened
                text += (f"; reopened by {r['actor']} at {r['at']} (run {r['run_id']} had "
                         f"been published): {r['reason']}")
            return text
        pub = self.publication
        text = f"published run {pub['run_id']} on {pub['on_date']} by {pub['actor']}"
        if self.state == "closed":
            c = self.closed
            return f"closed by {c['actor']} at {c['at']} ({text})"
        on = on or today()
        if self.deadline is None:
            text += "; appeals open until the period is closed"
        elif on <= self.deadline:
            text += f"; appeals open until {self.deadline}"
        else:
            text += f"; appeal window closed on {self.deadline}"
        return text


def _events(conn, dataset, period) -> list[dict]:
    cur = conn.execute("SELECT * FROM cycle_events WHERE dataset = ? AND period = ? ORDER BY id",
                       (dataset, period))
    cols = [c[0] for c in cur.description]
    return [dict(zip(cols, row, strict=True)) for row in cur.fetchall()]


def _runs(conn, rs, period) -> list[int]:
    return [r for (r,) in conn.execute(
        "SELECT id FROM runs WHERE org = ? AND site = ? AND period = ? ORDER BY id",
        (rs.meta.org, rs.meta.site, period))]


def period_status(store, rs, period) -> PeriodStatus:
    """The state of ``period`` (a :class:`Period` or its key) for rule set ``rs`` (its org and
    site), from the runs and the cycle's events in ``store``."""
    ensure_schema(store)
    return _status(store.conn, rs, _key(period))


def _key(period) -> str:
    return period.key if isinstance(period, Period) else str(period)


def _status(conn, rs, key) -> PeriodStatus:
    events = _events(conn, rs.dataset, key)
    st = PeriodStatus(dataset=rs.dataset, period=key, state="not evaluated",
                      runs=_runs(conn, rs, key), events=events)
    appeals: dict[int, Appeal] = {}
    for ev in events:
        kind = ev["kind"]
        if kind == "published":
            st.publication, st.closed, st.reopened, appeals, st.decisions = ev, None, None, \
                {}, []
            st.deadline = date.fromisoformat(ev["deadline"]) if ev["deadline"] else None
        elif kind == "closed":
            st.closed = ev
        elif kind == "reopened":
            st.publication, st.closed, st.deadline, appeals, st.decisions = None, None, None, \
                {}, []
            st.reopened = ev
        elif st.publication is None or ev["publication"] != st.publication["id"]:
            continue  # an earlier publication's appeal or decision
        elif kind == "appeal":
            appeals[ev["id"]] = Appeal(
                id=ev["id"], employee_id=ev["employee_id"], item_id=ev["item_id"],
                reason=ev["reason"], by=ev["actor"], lodged_on=date.fromisoformat(ev["on_date"]),
                answer_by=date.fromisoformat(ev["answer_deadline"]) if ev["answer_deadline"]
                else None)
        elif kind in ("decision", "adjustment"):
            if kind == "decision":
                appeals[ev["appeal_id"]].decision = ev
            st.decisions.append(ev)
    st.appeals = list(appeals.values())
    if st.closed is not None:
        st.state = "closed"
    elif st.publication is not None:
        st.state = "published"
    elif st.runs:
        st.state = "evaluated"
    return st


def ensure_open(store, rs, period):
    """Raise (exit 2) when the period is closed: no new payable run until it is reopened."""
    st = period_status(store, rs, period)
    if st.state == "closed":
        c = st.closed
        raise ScorecardError(
            f"{rs.meta.org} / {rs.meta.site} {st.period} was closed by {c['actor']} at "
            f"{c['at']} (published run {st.publication['run_id']}); it is locked. To evaluate it "
            f"again: scorecard reopen -c {rs.path} -p {st.period} --reason TEXT --by NAME")


def refuse_closed(store, dataset, period_key, where=""):
    """The backstop under every stored run (:func:`scorecard.engine.record_rows`): a closed
    period gets no new run, whatever stores it (evaluate, a group run)."""
    if not store.has_table("cycle_events"):
        return
    row = store.conn.execute(
        "SELECT kind, actor, at, run_id FROM cycle_events WHERE dataset = ? AND period = ? AND "
        "kind IN ('published', 'closed', 'reopened') ORDER BY id DESC LIMIT 1",
        (dataset, period_key)).fetchone()
    if row is not None and row[0] == "closed":
        raise ScorecardError(f"{where or dataset} {period_key} was closed by {row[1]} at {row[2]} "
                             f"(published run {row[3]}); it is locked: reopen it first "
                             f"(scorecard reopen -p {period_key} --reason TEXT --by NAME)")


# -- steps ------------------------------------------------------------------------------------
def _insert(conn, **row) -> int:
    row.setdefault("at", now_text())
    cols = list(row)
    cur = conn.execute(f"INSERT INTO cycle_events ({', '.join(cols)}) VALUES "
                       f"({', '.join('?' for _ in cols)})", [row[c] for c in cols])
    return cur.lastrowid


def _on(on, earliest: date | None, what: str, earliest_what: str) -> date:
    """The date of a step: today by default; never in the future, never before ``earliest``."""
    now = today()
    if on is None:
        d = now
    elif isinstance(on, date):
        d = on
    else:
        try:
            d = date.fromisoformat(str(on))
        except ValueError:
            raise ScorecardError(f"--on {on!r}: expected a date YYYY-MM-DD") from None
    if d > now:
        raise ScorecardError(f"{what} dated {d}: that is in the future (today is {now})")
    if earliest is not None and d < earliest:
        raise ScorecardError(f"{what} dated {d}: before {earliest_what} ({earliest})")
    return d


def _who(by: str) -> str:
    if not by or not str(by).strip():
        raise ScorecardError("--by NAME is required: every step records who took it")
    return str(by).strip()


def _reason(reason, what) -> str:
    if not reason or not str(reason).strip():
        raise ScorecardError(f"--reason TEXT is required: {what} records why")
    return str(reason).strip()


def _run_row(conn, run_id) -> dict | None:
    cur = conn.execute("SELECT * FROM runs WHERE id = ?", (run_id,))
    row = cur.fetchone()
    return None if row is None else dict(zip([c[0] for c in cur.description], row, strict=True))


def publish(store, rs, period, by, run=None, on=None, accept_incomplete=None) -> dict:
    """Publish ``run`` (default: the period's latest run): the appeal window opens. Returns the
    event (its ``deadline`` is the last day to appeal). A run whose data was incomplete or
    partial (:mod:`scorecard.completeness`) needs ``accept_incomplete``, the reason, which is
    stored."""
    from .completeness import publish_problem

    ensure_schema(store)
    key, by = _key(period), _who(by)
    with _immediate(store) as conn:
        st = _status(conn, rs, key)
        if st.state == "not evaluated":
            raise ScorecardError(f"no run of {rs.meta.org} / {rs.meta.site} for {key}: "
                                 f"evaluate it first (scorecard evaluate -c {rs.path} -p {key})")
        if st.state in ("published", "closed"):
            raise ScorecardError(
                f"{key} is already {st.describe()}; to publish another run, reopen it first "
                f"(scorecard reopen -c {rs.path} -p {key} --reason TEXT --by NAME)")
        run_id = st.runs[-1] if run is None else int(run)
        if run_id not in st.runs:
            raise ScorecardError(
                f"run {run_id} is not a run of {rs.meta.org} / {rs.meta.site} for {key} (its runs:"
                f" {', '.join(map(str, st.runs))}){did_you_mean(str(run_id), map(str, st.runs))}")
        row = _run_row(conn, run_id)
        d = _on(on, date.fromisoformat(row["created_at"][:10]), "publication",
                f"run {run_id} was evaluated")
        problem = publish_problem(store, run_id)
        if problem and not (accept_incomplete and str(accept_incomplete).strip()):
            raise ScorecardError(
                f"run {run_id} is {problem}; it can be inspected but not published. Fix the "
                f"data and evaluate again, or publish it anyway with --accept-incomplete "
                f"\"REASON\" (the reason is stored)")
        deadline = appeal_deadline(rs, d)
        data = {"window_key": rs.process.window_key, "window_days": rs.process.window_days}
        if problem:
            data.update(completeness=problem, accepted=str(accept_incomplete).strip())
        eid = _insert(conn, dataset=rs.dataset, period=key, kind="published", run_id=run_id,
                      actor=by, on_date=d.isoformat(),
                      deadline=deadline.isoformat() if deadline else None,
                      reason=data.get("accepted"), data=json.dumps(data, ensure_ascii=False))
        return _events_by_id(conn, eid)


def _events_by_id(conn, eid) -> dict:
    cur = conn.execute("SELECT * FROM cycle_events WHERE id = ?", (eid,))
    return dict(zip([c[0] for c in cur.description], cur.fetchone(), strict=True))


def _published(conn, rs, key, what) -> PeriodStatus:
    st = _status(conn, rs, key)
    if st.state == "closed":
        c = st.closed
        raise ScorecardError(f"{key} was closed by {c['actor']} at {c['at']}: {what} is refused; "
                             f"reopen it first (scorecard reopen -c {rs.path} -p {key} --reason "
                             f"TEXT --by NAME)")
    if st.state != "published":
        raise ScorecardError(f"{key} is {st.describe()}: {what} needs a published run (scorecard "
                             f"publish -c {rs.path} -p {key} --by NAME)")
    return st


def _target(conn, run_id, employee, item) -> tuple[dict, dict | None]:
    """The employee's result row and the item's row (None for the total) of the run; unknown
    ones are errors with a did-you-mean."""
    cur = conn.execute("SELECT * FROM results WHERE run_id = ? AND employee_id = ?",
                       (run_id, employee))
    row = cur.fetchone()
    if row is None:
        ids = [e for (e,) in conn.execute("SELECT employee_id FROM results WHERE run_id = ?",
                                          (run_id,))]
        raise ScorecardError(f"no employee {employee!r} in the published run {run_id}"
                             f"{did_you_mean(employee, ids)}")
    result = dict(zip([c[0] for c in cur.description], row, strict=True))
    if item == TOTAL:
        return result, None
    cur = conn.execute("SELECT * FROM items WHERE run_id = ? AND employee_id = ?",
                       (run_id, employee))
    items = [dict(zip([c[0] for c in cur.description], r, strict=True)) for r in cur.fetchall()]
    for it in items:
        if it["item_id"] == item:
            return result, it
    ids = [it["item_id"] for it in items] + [TOTAL]
    raise ScorecardError(f"no item {item!r} for {employee} (scorecard {result['scorecard']})"
                         f"{did_you_mean(item, ids)}; items: {', '.join(ids)}")


def _change(points, set_) -> tuple[str, str]:
    """``("points", "+2")`` or ``("set", "14")``: exactly one of them, an exact number."""
    if (points is None) == (set_ is None):
        raise ScorecardError("give exactly one of --points N (added to the item) or --set N "
                             "(the item's new points)")
    value = points if set_ is None else set_
    try:
        exact = to_fraction(value)
    except (ValueError, ArithmeticError, TypeError):
        raise ScorecardError(f"{value!r} is not a number") from None
    return ("points" if set_ is None else "set"), fmt(exact)


def add_appeal(store, rs, period, employee, item, reason, by, on=None) -> dict:
    """Lodge an appeal of ``employee`` against ``item`` (or ``"total"``) of the published run.
    Refused (exit 2) after the appeal window, naming the deadline."""
    ensure_schema(store)
    key, by, reason = _key(period), _who(by), _reason(reason, "an appeal")
    with _immediate(store) as conn:
        st = _published(conn, rs, key, "an appeal")
        pub = st.publication
        _target(conn, pub["run_id"], employee, item)
        d = _on(on, date.fromisoformat(pub["on_date"]), "an appeal",
                f"run {pub['run_id']} was published")
        if st.deadline is not None and d > st.deadline:
            late = calendar_of(rs).working_days_between(st.deadline, d)
            raise ScorecardError(
                f"appeal lodged on {d} is too late: the window for {key} closed on {st.deadline} "
                f"({rs.process.window_days} working days after publication on {pub['on_date']}, "
                f"process.{rs.process.window_key}); {d} is {late} working day(s) after it")
        answer = answer_deadline(rs, d)
        eid = _insert(conn, dataset=rs.dataset, period=key, kind="appeal",
                      publication=pub["id"], run_id=pub["run_id"], employee_id=employee,
                      item_id=item, reason=reason, actor=by, on_date=d.isoformat(),
                      deadline=st.deadline.isoformat() if st.deadline else None,
                      answer_deadline=answer.isoformat() if answer else None)
        return _events_by_id(conn, eid)


def decide(store, rs, period, appeal_id, uphold: bool, reason, by, points=None, set_=None,
           on=None) -> dict:
    """Decide an open appeal: upheld with a change (``points`` added to the item or ``set_`` as
    its new points) or rejected. A decision after the answer deadline is recorded as late."""
    ensure_schema(store)
    key, by, reason = _key(period), _who(by), _reason(reason, "a decision")
    if uphold:
        mode, value = _change(points, set_)
    elif points is not None or set_ is not None:
        raise ScorecardError("a rejected appeal changes nothing: leave out --points/--set")
    else:
        mode, value = None, None
    with _immediate(store) as conn:
        st = _published(conn, rs, key, "a decision")
        appeal = next((a for a in st.appeals if a.id == int(appeal_id)), None)
        if appeal is None:
            ids = [str(a.id) for a in st.appeals]
            raise ScorecardError(f"no appeal {appeal_id} for {rs.meta.org} / {rs.meta.site} {key}"
                                 f"{did_you_mean(str(appeal_id), ids)} (appeals: "
                                 f"{', '.join(ids) or 'none'})")
        if not appeal.open:
            dd = appeal.decision
            raise ScorecardError(f"appeal {appeal.id} was already decided by {dd['actor']} on "
                                 f"{dd['on_date']} (decision {dd['id']})")
        d = _on(on, appeal.lodged_on, "a decision", f"appeal {appeal.id} was lodged")
        late = appeal.answer_by is not None and d > appeal.answer_by
        eid = _insert(conn, dataset=rs.dataset, period=key, kind="decision",
                      publication=st.publication["id"], run_id=st.publication["run_id"],
                      employee_id=appeal.employee_id, item_id=appeal.item_id,
                      appeal_id=appeal.id, mode=mode, value=value, reason=reason, actor=by,
                      on_date=d.isoformat(), answer_deadline=appeal.answer_by.isoformat()
                      if appeal.answer_by else None, late=int(late))
        return _events_by_id(conn, eid)


def adjust(store, rs, period, employee, item, reason, by, points=None, set_=None,
           on=None) -> dict:
    """A manager's adjustment outside an appeal (e.g. scoring a ``no_activity`` employee):
    applied like an upheld appeal."""
    ensure_schema(store)
    key, by, reason = _key(period), _who(by), _reason(reason, "an adjustment")
    mode, value = _change(points, set_)
    with _immediate(store) as conn:
        st = _published(conn, rs, key, "an adjustment")
        pub = st.publication
        _target(conn, pub["run_id"], employee, item)
        d = _on(on, date.fromisoformat(pub["on_date"]), "an adjustment",
                f"run {pub['run_id']} was published")
        eid = _insert(conn, dataset=rs.dataset, period=key, kind="adjustment",
                      publication=pub["id"], run_id=pub["run_id"], employee_id=employee,
                      item_id=item, mode=mode, value=value, reason=reason, actor=by,
                      on_date=d.isoformat())
        return _events_by_id(conn, eid)


def close(store, rs, period, by) -> dict:
    """Sign the period off; refused while an appeal is open (listing them). After it the period
    is locked (:func:`ensure_open`)."""
    ensure_schema(store)
    key, by = _key(period), _who(by)
    with _immediate(store) as conn:
        st = _published(conn, rs, key, "closing")
        if st.open_appeals:
            listed = "; ".join(f"appeal {a.id}: {a.employee_id} {a.item_id} (lodged "
                               f"{a.lodged_on}" + (f", answer by {a.answer_by}" if a.answer_by
                                                   else "") + ")" for a in st.open_appeals)
            raise ScorecardError(f"{len(st.open_appeals)} appeal(s) of {key} are still open: "
                                 f"{listed}. Decide them first (scorecard appeal decide ID ...)")
        pub = st.publication
        eid = _insert(conn, dataset=rs.dataset, period=key, kind="closed",
                      publication=pub["id"], run_id=pub["run_id"], actor=by,
                      on_date=today().isoformat())
        return _events_by_id(conn, eid)


def reopen(store, rs, period, reason, by) -> dict:
    """Reopen a published or closed period: the publication ends (its decisions stay on record
    with it) and the period can be evaluated and published again."""
    ensure_schema(store)
    key, by, reason = _key(period), _who(by), _reason(reason, "reopening")
    with _immediate(store) as conn:
        st = _status(conn, rs, key)
        if st.state not in ("published", "closed"):
            raise ScorecardError(f"{key} is {st.describe()}: only a published or closed period "
                                 f"can be reopened")
        pub = st.publication
        eid = _insert(conn, dataset=rs.dataset, period=key, kind="reopened",
                      publication=pub["id"], run_id=pub["run_id"], reason=reason, actor=by,
                      on_date=today().isoformat())
        return _events_by_id(conn, eid)


# -- the final result -------------------------------------------------------------------------
@attrs.define
class FinalResults:
    """The published run with the decisions applied: ``results`` and ``items`` are rows in the
    store's shape (``store.results``/``store.items``), ``lines`` the ledger lines the decisions
    added per employee, ``state`` "published" or "closed"."""

    state: str
    run_id: int
    status: PeriodStatus
    results: list
    items: list
    lines: dict  # employee_id -> [{"rule", "text", "points", "ref"}]
    changed: set  # employee ids whose result the decisions changed

    @property
    def label(self) -> str:
        n = len(self.status.decisions)
        return (f"final result ({self.state}): published run {self.run_id}"
                + (f" + {n} decision(s)" if n else ", no decisions"))

    def result(self, employee_id) -> dict | None:
        return next((r for r in self.results if r["employee_id"] == employee_id), None)

    def items_of(self, employee_id) -> list:
        return [i for i in self.items if i["employee_id"] == employee_id]


def final_results(store, rs, period) -> FinalResults | None:
    """The final result of a published or closed period (None when it is not published): the
    published run's rows, with every upheld appeal and adjustment applied through the rules of
    the run's own rule set (item points clamped to the item's range; total, grade, rank and
    payout recomputed with its rounding)."""
    st = period_status(store, rs, period)
    if st.publication is None:
        return None
    run_id = st.publication["run_id"]
    results = store.results(run_id)
    items = store.items(run_id)
    changes = [d for d in st.decisions if d["mode"] is not None]
    lines = {}
    changed = set()
    if changes:
        results, items, lines, changed = _apply(store, rs, st, results, items, changes)
    return FinalResults(state=st.state, run_id=run_id, status=st, results=results, items=items,
                        lines=lines, changed=changed)


def final_of_run(store, run) -> FinalResults | None:
    """The final result of the period of ``run`` (a ``runs`` row) for its organisation and
    site when that period is published or closed, else None; the rule set is the one stored
    with the run (``report`` and ``explain`` work from the store alone)."""
    if not store.has_table("cycle_events"):
        return None
    rs = _run_ruleset(store, None, run)
    return final_results(store, rs, run["period"])


def period_results(store, rs, period) -> tuple:
    """``(run row, result rows, final)`` of a period for the roll-ups: the final result
    (published run + decisions) when the period is published or closed, else the latest run
    with its stored rows and ``final`` None; ``(None, [], None)`` when it was not evaluated."""
    key = _key(period)
    final = final_results(store, rs, key) if store.has_table("cycle_events") else None
    if final is not None:
        return store.run(final.run_id), final.results, final
    run = store.latest_run(org=rs.meta.org, site=rs.meta.site, period=key)
    return (None, [], None) if run is None else (run, store.results(run["id"]), None)


def _run_ruleset(store, rs, run):
    """The rule set the run was evaluated with, from the store (the current file when it is
    the same text)."""
    if rs is not None and run["ruleset_hash"] == rs.hash:
        return rs
    from .ruleset import load_ruleset

    text = run["ruleset_text"]
    return load_ruleset(Path(run["ruleset_path"]), data=tomllib.loads(text), text=text)


def _frac(text):
    return None if text is None else Fraction(text)


def _apply(store, rs, st, results, items, changes):
    from .context import Context
    from .engine import (
        CardRun,
        EmployeeResult,
        ItemOutcome,
        _stage_flags,
        _stage_grade,
        _stage_payout,
        focus_sections,
        result_rows,
    )
    from .registry import get_registry
    from .types import Adjustment, Measure, Scored

    registry = get_registry()
    run = store.run(st.publication["run_id"])
    rrs = _run_ruleset(store, rs, run)
    period = Period.parse(run["period"])
    calendar = WorkCalendar.from_spec(rrs.calendar)
    by_emp: dict[str, list] = {}
    for c in changes:
        by_emp.setdefault(c["employee_id"], []).append(c)
    items_of: dict[str, list] = {}
    for it in items:
        items_of.setdefault(it["employee_id"], []).append(it)
    cards = {row["scorecard"] for row in results if row["employee_id"] in by_emp}
    new_rows = {}
    extra_lines: dict[str, list] = {}
    for sc_id in cards:
        sc = rrs.scorecards[sc_id]
        rows = [row for row in results if row["scorecard"] == sc_id]
        emps = {row["employee_id"]: {"employee_id": row["employee_id"], "name": row["name"],
                                     "site": row["site"], "role": row["role"],
                                     "level": row["level"], "_line": None} for row in rows}
        res = {}
        for row in rows:
            eid = row["employee_id"]
            er = EmployeeResult(employee=emps[eid], scorecard=sc, status=row["status"])
            for it in items_of.get(eid, []):
                if it["kind"] == "item":
                    spec = sc.item(it["item_id"])
                    er.items.append(ItemOutcome(item=spec, measure=Measure(_frac(it["value"])),
                                                scored=Scored(_frac(it["points"]))))
                else:
                    pen = next(p for p in sc.penalties if p.id == it["item_id"])
                    er.adjustments.append((pen, Adjustment(
                        points=_frac(it["points"]) or Fraction(0),
                        fines=_frac(it["value"]) or Fraction(0))))
            er.total = _frac(row["score_exact"])
            er.score = None if row["score"] is None else Decimal(row["score"])
            er.fines = Decimal(row["fines"]) if row["fines"] else Decimal(0)
            er.focus = json.loads(row["focus"] or "[]")
            er.lines = []  # only the lines the decisions add are kept
            res[eid] = er
        ctx = Context(store=store, ruleset=rrs, scorecard=sc, period=period, employees={},
                      calendar=calendar, ledger=True)
        for eid in [e for e in by_emp if e in emps]:
            # one employee at a time: derived items are recomputed for the changed one only
            ctx.employees = {eid: emps[eid]}
            _rescore(registry, ctx, sc, rrs, res[eid], by_emp[eid])
        # grade (ranks over everyone) and payout: the engine's own stages, over the scorecard
        ctx.employees = emps
        card = CardRun(registry=registry, ruleset=rrs, scorecard=sc, ctx=ctx, results=res,
                       employee_ids=list(res),
                       scores={e: (Fraction(res[e].score) if res[e].score is not None else None)
                               for e in res})
        _stage_grade(card)
        _stage_payout(card)
        _stage_flags(card)
        for e in by_emp:
            if e in res:
                extra_lines[e] = res[e].lines
        for e in by_emp:
            if e in res:
                res[e].focus = focus_sections(sc, res[e])

        class _Ev:
            results = list(res.values())

        rows_out, item_rows, _ = result_rows(run["id"], _Ev, ledger=False)
        _companions("results", rows_out)
        _companions("items", item_rows)
        for row in rows_out:
            new_rows[row["employee_id"]] = (row, [i for i in item_rows
                                                 if i["employee_id"] == row["employee_id"]])
    out_results, out_items, changed = [], [], set()
    old_items = {}
    for it in items:
        old_items.setdefault(it["employee_id"], []).append(it)
    for row in results:
        eid = row["employee_id"]
        if eid in by_emp and eid in new_rows:
            nrow, nitems = new_rows[eid]
            changed.add(eid)
            out_results.append(nrow)
            out_items.extend(nitems)
        elif eid in new_rows:
            # the same scorecard as a changed employee: grade, rank and payout may move with
            # the others' scores; everything else stays as stored
            nrow = new_rows[eid][0]
            kept = dict(row)
            kept.update({k: nrow[k] for k in RANKED if k in nrow})
            if _differs(row, kept):
                changed.add(eid)
            out_results.append(kept)
            out_items.extend(old_items.get(eid, []))
        else:
            out_results.append(row)
            out_items.extend(old_items.get(eid, []))
    lines = {e: [{"rule": ln.rule, "text": ln.text,
                  "points": None if ln.points is None else fmt(ln.points), "ref": ln.ref}
                 for ln in ls] for e, ls in extra_lines.items()}
    return out_results, out_items, lines, changed


#: the result columns a change of other employees' scores can move (ranks, rank-based pay)
RANKED = ("grade", "grade_label", "grade_label_zh", "coefficient", "eligible", "rank", "payout",
          "coefficient_num", "payout_num")


def _companions(table, rows):
    """The store's numeric companion columns (``score_num`` ...), as a stored row has them."""
    from .store import NUMERIC, numeric

    for r in rows:
        for num, text in NUMERIC.get(table, {}).items():
            r[num] = numeric(r.get(text))


def _differs(a, b) -> bool:
    keys = ("score", "grade", "rank", "payout", "status")
    return any(a.get(k) != b.get(k) for k in keys)


def _describe(ev) -> str:
    what = (f"appeal {ev['appeal_id']} upheld" if ev["kind"] == "decision"
            else f"adjustment {ev['id']}")
    late = " (late)" if ev.get("late") else ""
    return f"{what}{late} by {ev['actor']} on {ev['on_date']}: {ev['reason']}"


def _rescore(registry, ctx, sc, rs, er, decisions):
    """Apply ``decisions`` to one employee: item by item in the scorecard's order (derived items
    such as weighted composites recomputed from the changed items), then the total."""
    from .engine import ItemOutcome, _signed_sum, value_points
    from .numbers import lean
    from .types import Line, Measure, Scored

    r = rs.rounding
    eid = er.employee_id
    touched = False
    for n, out in enumerate(er.items):
        it = out.item
        ctx.outcomes.setdefault(it.id, {})
        if touched and getattr(registry.get("metric", it.type), "derived", False):
            m = registry.get("metric", it.type)
            measures = registry.call("metric", it.type, "compute", it.path, m.compute, ctx, it)
            if it.score is not None:
                s = registry.get("scorer", it.score.type)
                scored = registry.call("scorer", it.score.type, "score", it.path, s.score, ctx,
                                       it, measures)[eid]
            else:
                scored = value_points(it, measures[eid])
            if scored.points != out.points:
                er.lines.append(Line(it.id, f"{it.id}: recomputed from the changed items: "
                                            f"{fmt(out.points)} → {fmt(scored.points)}",
                                     scored.points))
            out = ItemOutcome(item=it, measure=measures[eid], scored=Scored(scored.points))
            er.items[n] = out
        for d in decisions:
            if d["item_id"] != it.id:
                continue
            old = out.points if out.points is not None else Fraction(0)
            new = _changed_value(old, d)
            lo, hi = (Fraction(0), it.max) if it.max is not None else (None, None)
            clamped = new if lo is None else min(max(new, lo), hi)
            text = f"{_describe(d)}: {it.id} {fmt(old)} → {fmt(clamped)} ({change_text(d)})"
            if clamped != new:
                text += f", {fmt(new)} clamped to [0, {fmt(it.max)}]"
            er.lines.append(Line(it.id, text, clamped - old, ref=f"cycle:{d['id']}"))
            measure = out.measure
            if _keeps_value(registry, it):
                # the item's points are its value (a rate kept as points): the decision changes
                # the value too, which a derived item (use = "value") and flags read
                measure = Measure(clamped)
            out = ItemOutcome(item=it, measure=measure, scored=Scored(clamped))
            er.items[n] = out
            touched = True
        ctx.outcomes[it.id][eid] = out
    for i, (pen, adj) in enumerate(er.adjustments):
        for d in decisions:
            if d["item_id"] != pen.id:
                continue
            new = _changed_value(adj.points, d)
            er.lines.append(Line(pen.id, f"{_describe(d)}: {pen.id} {fmt(adj.points)} → "
                                         f"{fmt(new)}", new - adj.points, ref=f"cycle:{d['id']}"))
            adj = attrs.evolve(adj, points=new, lines=())
            er.adjustments[i] = (pen, adj)
    counted = [o for o in er.items if o.item.in_total]
    present = [o for o in counted if o.points is not None]
    terms = [(o.item.id, o.points) for o in present]
    totals = [d for d in decisions if d["item_id"] == TOTAL]
    if er.status != "ok":
        er.lines.append(Line("total", f"was {er.status.replace('_', ' ')}: scored by the "
                                      f"decision(s) below"))
        er.status = "ok"
    if not present and counted and not totals:
        er.status, er.total, er.score = "no_score", None, None
        return
    total = sum((lean(o.points) for o in present), 0)
    for pen, a in er.adjustments:
        if a.points:
            total += lean(a.points)
            terms.append((pen.id, a.points))
    for d in totals:
        before = total
        total = _changed_value(Fraction(total), d)
        er.lines.append(Line(TOTAL, f"{_describe(d)}: total {fmt(before)} → {fmt(total)}",
                             total - before, ref=f"cycle:{d['id']}"))
        terms = [("total after decisions", total)] if d["mode"] == "set" else \
            [*terms, (f"decision {d['id']}", Fraction(d["value"]))]
    clamped = total
    if sc.total.min is not None and clamped < sc.total.min:
        clamped = sc.total.min
    if sc.total.max is not None and clamped > sc.total.max:
        clamped = sc.total.max
    er.total = Fraction(clamped)
    er.score = quantize(clamped, r.score, r.mode)
    text = f"total after decisions = {_signed_sum(terms) or '0'} = {fmt(total)}"
    if clamped != total:
        text += f", clamped to {fmt(clamped)}"
    text += f"; score {er.score} (rounded {r.mode.replace('_', '-')} to {r.score})"
    er.lines.append(Line("total", text, er.score))


def change_text(d) -> str:
    """``+2``, ``−1`` or ``set to 14``."""
    if d["mode"] == "set":
        return f"set to {d['value']}"
    return d["value"] if d["value"].startswith("-") else f"+{d['value']}"


def _keeps_value(registry, item) -> bool:
    """Whether an item's points are its measured value: no scorer (the value is the points)
    or a scorer that says so (``Scorer.keeps_value``)."""
    if item.score is None:
        return True
    return bool(getattr(registry.get("scorer", item.score.type), "keeps_value", False))


def _changed_value(old, d) -> Fraction:
    v = Fraction(d["value"])
    return v if d["mode"] == "set" else old + v
