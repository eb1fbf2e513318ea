"""Synthetic input data for the automotive contact-centre bundle (stdlib only, deterministic).

Writes exactly the "Common" and "Automotive contact centre" files of DATA.md: a realistic one-month
sample (`generate`) and arbitrarily large streamed contact files for the benchmark
(`iter_contacts` / `write_contacts_csv`).  The same seed always gives byte-identical files.
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import math
import random
from collections.abc import Iterable, Iterator
from pathlib import Path

SURNAMES = (
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐"
    "许韩冯邓曹彭曾田董潘袁蔡蒋余杜叶程魏苏吕"
)
GIVEN = (
    "芳 伟 娜 敏 静 丽 强 磊 洋 艳 勇 军 杰 娟 涛 明 超 霞 平 刚 晨 婷 鹏 颖 欣怡 浩然 子涵 雨萱"
    " 思远 佳怡 俊杰 晓东 海燕 建华 志强 丽娟 秀英 桂英 文博 梦琪 宇航 嘉欣 明轩 诗涵 红梅 春燕"
).split()
QA_ITEMS = ("polite_language", "listening", "patience", "product_knowledge",
            "aftersales_knowledge", "problem_identification")
ITEM_MAX = {"polite_language": 10, "listening": 10, "patience": 10, "product_knowledge": 15,
            "aftersales_knowledge": 10, "problem_identification": 10, "resolution": 15,
            "response_time": 10, "handling_time": 10}
CONTACT_HEADER = ("contact_id", "employee_id", "channel", "received_at", "first_response_at",
                  "closed_at", "complexity", "busy", "satisfied")
# RULES.md section 1 defaults, in seconds.  The data is shaped around them so that a run with the
# default rule set shows a realistic mix of clean, borderline (exactly at the limit) and breaching
# contacts; a site with other limits still gets valid data, just a different breach share.
PHONE_S, ONLINE_S, EMAIL_S, BUSY_S, SIMPLE_S, COMPLEX_S = 20, 60, 86400, 300, 900, 86400
EXACT = 0.015  # share of times landing exactly on the limit: the "<=" boundary must be exercised
DAY = 86400


def _month_start(month: str) -> dt.date:
    year, mon = month.split("-")
    return dt.date(int(year), int(mon), 1)


def _days_in(first: dt.date, months: int) -> int:
    y, m = divmod(first.month - 1 + months, 12)
    return (dt.date(first.year + y, m + 1, 1) - first).days


def _ids(agents: int) -> list[str]:
    width = max(3, len(str(agents)))
    return [f"A{i:0{width}d}" for i in range(1, agents + 1)]


def _profiles(agents: int, seed: int) -> list[tuple[float, float, bool]]:
    """Per agent: (breach probability, satisfied rate, surveyed at all)."""
    rng = random.Random(f"{seed}/profiles")
    out = []
    for _ in range(agents):
        kind = rng.random()
        # A fifth of the agents never breach, a fifth are sloppy: the efficiency items then spread
        # over the whole 0-10 range instead of everyone losing the same few points.
        if kind < 0.2:
            p = 0.0
        elif kind < 0.8:
            p = rng.uniform(0.01, 0.05)
        else:
            p = rng.uniform(0.08, 0.2)
        out.append((p, rng.uniform(0.75, 1.0), True))
    # The "no survey data" path of the resolution item needs agents without any surveyed contact.
    for i in rng.sample(range(agents), min(agents, rng.randint(1, 2))):
        out[i] = (out[i][0], out[i][1], False)
    return out


def _contact_rows(rng: random.Random, plan: Iterable[tuple[int, int]], first: dt.date,
                  n_days: int, ids: list[str], profiles: list,
                  first_id: int = 1) -> Iterator[tuple]:
    """Yield contact tuples for (agent index, day index) pairs; day -1 and n_days lie outside.

    Times are integer seconds turned into text through lookup tables: datetime objects per row
    would cost several times the rest of the loop at benchmark sizes.
    """
    # Responses and closures may spill up to ~10 days past the last received day (capped tails).
    days = [(first + dt.timedelta(d)).isoformat() + " " for d in range(-1, n_days + 12)]
    hms = [f"{h:02d}:{m:02d}:{s:02d}" for h in range(24) for m in range(60) for s in range(60)]
    rnd, log = rng.random, math.log

    def over(limit: int, mean: float) -> int:
        return limit + 1 + min(int(-mean * log(1.0 - rnd())), 4 * DAY)

    for n, (a, d) in enumerate(plan, first_id):
        p, sat, surveyed = profiles[a]
        t0 = (d + 1) * DAY + 28800 + int(rnd() * 43200)  # 08:00-20:00 opening hours
        c = rnd()
        ch = "phone" if c < 0.55 else "online" if c < 0.85 else "email"
        busy = "0"
        # Queues only exist for live channels; 12 % of those is ~10 % of all contacts.
        if ch != "email" and rnd() < 0.12:
            busy, limit, mean, within = "1", BUSY_S, 120, 60 + int(rnd() * 240)
        elif ch == "phone":
            limit, mean, within = PHONE_S, 15, 1 + int(rnd() * 19)
        elif ch == "online":
            limit, mean, within = ONLINE_S, 45, 5 + int(rnd() * 55)
        else:  # most e-mails are answered within a few hours, some near the end of the day
            limit, mean, within = EMAIL_S, 21600, 300 + int(rnd() ** 2 * 85800)
        x = rnd()
        t1 = t0 + (over(limit, mean) if x < p else limit if x < p + EXACT else within)
        if rnd() < 0.8:
            cx, limit, mean, within = "simple", SIMPLE_S, 600, 60 + int(rnd() * 840)
        else:
            cx, limit, mean, within = "complex", COMPLEX_S, 21600, 1800 + int(rnd() ** 1.5 * 84600)
        x = rnd()
        t2 = t1 + (over(limit, mean) if x < p else limit if x < p + EXACT else within)
        s = "" if not surveyed or rnd() >= 0.25 else "1" if rnd() < sat else "0"
        yield (f"C{n:08d}", ids[a], ch, days[t0 // DAY] + hms[t0 % DAY],
               days[t1 // DAY] + hms[t1 % DAY], days[t2 // DAY] + hms[t2 % DAY], cx, busy, s)


def iter_contacts(rows: int, *, agents: int, months: int, start_month: str = "2026-01",
                  seed: int = 2026) -> Iterator[tuple]:
    """Stream `rows` contacts (contacts.csv column order) over `months` months from `start_month`.

    Days rise with the row number so the output reads like a day-by-day export; agents are drawn
    at random, with the same per-agent profiles as `generate` for the same seed.
    """
    first = _month_start(start_month)
    n_days = _days_in(first, months)
    rng = random.Random(f"{seed}/contacts")
    rnd = rng.random
    plan = ((int(rnd() * agents), i * n_days // rows) for i in range(rows))
    yield from _contact_rows(rng, plan, first, n_days, _ids(agents), _profiles(agents, seed))


def _write(path: Path | str, header: Iterable[str], rows: Iterable[tuple]) -> None:
    with open(path, "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(header)
        w.writerows(rows)


def write_contacts_csv(path: Path | str, rows: int, agents: int, months: int, seed: int = 2026,
                       *, start_month: str = "2026-01") -> int:
    """Write a streamed benchmark contacts.csv; returns the number of data rows."""
    _write(path, CONTACT_HEADER,
           iter_contacts(rows, agents=agents, months=months, start_month=start_month, seed=seed))
    return rows


def write_employees_csv(path: Path | str, agents: int, seed: int = 2026) -> int:
    """Write employees.csv (A001.., Chinese names, levels ~50/30/20 %); returns the row count."""
    rng = random.Random(f"{seed}/employees")
    n_junior, n_mid = round(agents * 0.5), round(agents * 0.3)
    levels = ["junior"] * n_junior + ["intermediate"] * n_mid + ["senior"] * (agents - n_junior
                                                                              - n_mid)
    rng.shuffle(levels)
    seen: set[str] = set()
    rows = []
    for eid, level in zip(_ids(agents), levels, strict=True):
        # Namesakes are real but confusing in a small sample; past a few tries accept one.
        for _ in range(20):
            name = rng.choice(SURNAMES) + rng.choice(GIVEN)
            if name not in seen:
                break
        seen.add(name)
        rows.append((eid, name, "main", "agent", level))
    _write(path, ("employee_id", "name", "site", "role", "level"), rows)
    return agents


def _stamp(rng: random.Random, first: dt.date, day: int) -> str:
    d = (first + dt.timedelta(day)).isoformat()
    return f"{d} {rng.randint(8, 19):02d}:{rng.randrange(60):02d}:{rng.randrange(60):02d}"


def generate(out_dir: Path | str, *, month: str = "2026-10", agents: int = 60,
             seed: int = 2026) -> dict[str, int]:
    """Write the one-month sample bundle into `out_dir`; returns {file name: data rows}."""
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    rng = random.Random(f"{seed}/sample")
    first = _month_start(month)
    n_days = _days_in(first, 1)
    ids = _ids(agents)
    counts = {"employees.csv": write_employees_csv(out / "employees.csv", agents, seed)}

    plan = [(a, rng.randrange(n_days)) for a in range(agents) for _ in range(rng.randint(80, 160))]
    plan.sort(key=lambda ad: ad[1])
    # Contacts on the neighbouring months' edge days: the engine must leave them out.
    plan = ([(rng.randrange(agents), -1) for _ in range(4)] + plan
            + [(rng.randrange(agents), n_days) for _ in range(4)])
    contacts = []
    for row in _contact_rows(rng, plan, first, n_days, ids, _profiles(agents, seed)):
        v = rng.random()
        # Mail systems often log to the minute; e-mail times are hours apart, so cutting the
        # seconds keeps every later timestamp strictly after the earlier one.
        if row[2] == "email" and v < 0.3:
            row = row[:3] + tuple(ts[:16] for ts in row[3:6]) + row[6:]
        elif v < 0.05:  # some CRM exports write ISO 8601 with a T
            row = row[:3] + tuple(ts.replace(" ", "T") for ts in row[3:6]) + row[6:]
        contacts.append(row)
    _write(out / "contacts.csv", CONTACT_HEADER, contacts)
    counts["contacts.csv"] = len(contacts)

    qa = [(_stamp(rng, first, rng.randrange(n_days)), eid, rng.choice(QA_ITEMS),
           rng.choices((1, 2, 3), (85, 11, 4))[0])
          for eid in ids for _ in range(rng.randint(0, 6))]
    qa += [(_stamp(rng, first, d), rng.choice(ids), rng.choice(QA_ITEMS), 1) for d in (-1, n_days)]
    qa.sort()
    _write(out / "qa_findings.csv", ("employee_id", "observed_at", "item", "count"),
           [(e, t, item, c) for t, e, item, c in qa])
    counts["qa_findings.csv"] = len(qa)

    pairs = rng.sample([(e, item) for e in ids for item in ITEM_MAX], min(10, agents * 9))
    marks = sorted((e, month, item, rng.randint(max(0, ITEM_MAX[item] - 5), ITEM_MAX[item]))
                   for e, item in pairs)
    _write(out / "supervisor_marks.csv", ("employee_id", "period", "item", "mark"), marks)
    counts["supervisor_marks.csv"] = len(marks)
    return counts


def main(argv: list[str] | None = None) -> int:
    """CLI: the one-month sample, or with --rows a big contacts.csv + employees.csv."""
    ap = argparse.ArgumentParser(prog="python -m scorecard_automotive.generate",
                                 description=__doc__.splitlines()[0])
    ap.add_argument("out_dir")
    ap.add_argument("--month", default="2026-10", help="sample month / first benchmark month")
    ap.add_argument("--agents", type=int, default=60)
    ap.add_argument("--seed", type=int, default=2026)
    ap.add_argument("--rows", type=int, help="benchmark: number of contacts to stream")
    ap.add_argument("--months", type=int, default=1, help="benchmark: months the rows span")
    args = ap.parse_args(argv)
    if args.rows:
        out = Path(args.out_dir)
        out.mkdir(parents=True, exist_ok=True)
        counts = {"employees.csv": write_employees_csv(out / "employees.csv", args.agents,
                                                       args.seed),
                  "contacts.csv": write_contacts_csv(out / "contacts.csv", args.rows, args.agents,
                                                     args.months, args.seed,
                                                     start_month=args.month)}
    else:
        counts = generate(args.out_dir, month=args.month, agents=args.agents, seed=args.seed)
    for name, n in counts.items():
        print(f"{name}: {n} rows")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
