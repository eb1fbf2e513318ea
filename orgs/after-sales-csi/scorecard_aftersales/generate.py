"""Synthetic input data for the after-sales CSI bundle (stdlib only, deterministic).

Writes exactly the "Common" and "After-sales CSI" files of DATA.md for one dealer over a calendar
year (plus the first half of the next January, so December's repairs have a repeat window to be
read), so that twelve monthly runs and ``scorecard annual`` have something to do:

- service advisors, technicians and parts staff with a steady quality level each; one technician
  has a bad spell of three months (the annual "three consecutive months below 60" rule) and one
  advisor joins in April (months without a score are reported, not guessed);
- survey answers with the odd unanswered dimension; parts staff have no work orders (the
  first-time-fix component is left out and the others rescaled);
- work orders on a pool of vehicles; a repair comes back for the same fault inside or outside the
  30-day window, sometimes in the next month; a few orders carry an explicit first_time_fix flag;
- complaints, some invalid, some handled late, resolution counted in working days.

    python -m scorecard_aftersales.generate [OUT_DIR] [--year 2026] [--seed 2026]

The same seed always gives byte-identical files.
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import random
from pathlib import Path

SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐"
GIVEN = ("伟 芳 娜 敏 静 强 磊 洋 艳 勇 军 杰 涛 明 超 霞 平 刚 晨 婷 鹏 浩然 子涵 思远 俊杰 晓东 "
         "建华 志强 文博 宇航 嘉欣").split()
FAULTS = ("P0301", "P0420", "P0171", "P0128", "B1318", "C0035", "U0100", "P0700", "P0455",
          "B2AAA", "C1201", "P0011")
# (id prefix, role, count); advisor S05 joins in April, technician T03 has a bad spell
STAFF = (("S", "advisor", 5), ("T", "technician", 6), ("P", "parts", 3))
LATE_JOINER = "S05"  # on the staff from April (month 4)
BAD_SPELL = ("T03", (5, 6, 7))  # May, June, July


def _write(path: Path, header, rows) -> int:
    with open(path, "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(header)
        w.writerows(rows)
    return len(rows)


def _ts(t: dt.datetime) -> str:
    return t.strftime("%Y-%m-%d %H:%M")


def _staff(rng: random.Random):
    out, seen = [], set()
    for prefix, role, n in STAFF:
        for i in range(1, n + 1):
            while True:
                name = rng.choice(SURNAMES) + rng.choice(GIVEN)
                if name not in seen:
                    break
            seen.add(name)
            level = rng.choice(("junior", "intermediate", "senior"))
            # mean survey rating 3.4 .. 4.8; repeat probability 2 .. 18 %
            out.append({"id": f"{prefix}{i:02d}", "name": name, "role": role, "level": level,
                        "mu": rng.uniform(3.4, 4.8), "rep": rng.uniform(0.02, 0.18)})
    return out


def _month_days(year: int, month: int) -> int:
    nxt = dt.date(year + month // 12, month % 12 + 1, 1)
    return (nxt - dt.date(year, month, 1)).days


def _rating(rng, mu):
    return max(1, min(5, round(rng.gauss(mu, 0.7))))


def _on_staff(s, month: int) -> bool:
    return not (s["id"] == LATE_JOINER and month < 4)


def _bad_spell(s, month: int) -> bool:
    return s["id"] == BAD_SPELL[0] and month in BAD_SPELL[1]


def generate(out_dir: Path | str, *, year: int = 2026, seed: int = 2026) -> dict[str, int]:
    """Write the sample year into ``out_dir``; returns {file name: data rows}."""
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    rng = random.Random(f"{seed}/after-sales")
    staff = _staff(rng)
    counts = {"employees.csv": _write(
        out / "employees.csv", ("employee_id", "name", "site", "role", "level"),
        [(s["id"], s["name"], "main", s["role"], s["level"]) for s in staff])}
    techs = [s["id"] for s in staff if s["role"] == "technician"]
    vins = [f"LSV{rng.randrange(10**13, 10**14)}" for _ in range(260)]
    surveys, orders, complaints = [], [], []
    pending = []  # (opened datetime, employee, vin, fault): come-backs to write later
    for month in range(1, 14):  # month 13: the first half of next January
        y, m = (year, month) if month <= 12 else (year + 1, 1)
        days = _month_days(y, m) if month <= 12 else 15
        first = dt.datetime(y, m, 1)

        def at(day_index, lo=8, hi=18, first=first):
            return first + dt.timedelta(days=day_index, hours=rng.randint(lo, hi - 1),
                                        minutes=rng.randrange(60))

        for s in staff:
            if not _on_staff(s, month):
                continue
            bad = _bad_spell(s, month)
            mu = 2.2 if bad else s["mu"]
            rep = 0.6 if bad else s["rep"]
            if month <= 12:
                for _ in range(rng.randint(3, 8)):
                    row = [_rating(rng, mu) for _ in range(5)]
                    # about one answer in twelve skips a dimension (blank, not a zero)
                    if rng.random() < 0.08:
                        row[rng.randrange(5)] = ""
                    surveys.append((f"Q{len(surveys) + 1:05d}", s["id"],
                                    _ts(at(rng.randrange(days))), *row))
            if s["role"] == "parts":
                continue
            for _ in range(rng.randint(8, 14) if s["role"] == "technician" else
                           rng.randint(4, 8)):
                opened = at(rng.randrange(days))
                vin, fault = rng.choice(vins), rng.choice(FAULTS)
                closed = opened + dt.timedelta(hours=rng.randint(2, 50))
                flag = ""
                if rng.random() < rep:
                    # a come-back 3..40 days after closing: inside or outside the 30-day window
                    back = closed + dt.timedelta(days=rng.randint(3, 40), hours=rng.randint(0, 5))
                    pending.append((back, s["id"], vin, fault))
                    if rng.random() < 0.1:  # the workshop judged it a different fault
                        flag = "1"
                elif rng.random() < 0.05:
                    flag = "0"  # the customer came back elsewhere: flagged by hand
                orders.append([None, s["id"], vin, fault, _ts(opened), _ts(closed), flag])
        # come-backs due this month (opened by whoever is on duty: a technician)
        end = first + dt.timedelta(days=days)
        due = [p for p in pending if first <= p[0] < end]
        pending = [p for p in pending if p[0] >= end]
        for back, eid, vin, fault in due:
            who = eid if rng.random() < 0.5 else rng.choice(techs)
            orders.append([None, who, vin, fault, _ts(back),
                           _ts(back + dt.timedelta(hours=rng.randint(2, 30))), ""])
        if month > 12:
            continue
        for s in staff:
            if not _on_staff(s, month):
                continue
            bad = _bad_spell(s, month)
            for _ in range(rng.choices((0, 1, 2), (55, 35, 10))[0] + (1 if bad else 0)):
                t0 = at(rng.randrange(days), 8, 20)
                slow = bad or rng.random() < 0.15
                contacted = t0 + dt.timedelta(hours=rng.randint(1, 30 if slow else 23))
                proposal = contacted + dt.timedelta(hours=rng.randint(2, 30 if slow else 20))
                resolved = t0 + dt.timedelta(days=rng.randint(1, 13 if slow else 7),
                                             hours=rng.randint(0, 6))
                if proposal - t0 > dt.timedelta(hours=48) and not slow:
                    proposal = t0 + dt.timedelta(hours=47)
                valid = "0" if rng.random() < 0.07 else rng.choice(("1", "1", "1", ""))
                complaints.append((f"C{len(complaints) + 1:04d}", s["id"], _ts(t0),
                                   _ts(contacted), _ts(proposal), _ts(resolved), valid))
    orders.sort(key=lambda r: r[4])
    for i, r in enumerate(orders, 1):
        r[0] = f"WO{i:05d}"
    counts["surveys.csv"] = _write(
        out / "surveys.csv", ("survey_id", "employee_id", "answered_at", "attitude", "response",
                              "repair_quality", "parts", "cost"), surveys)
    counts["work_orders.csv"] = _write(
        out / "work_orders.csv", ("order_id", "employee_id", "vin", "fault_code", "opened_at",
                                  "closed_at", "first_time_fix"), orders)
    counts["complaints.csv"] = _write(
        out / "complaints.csv", ("complaint_id", "employee_id", "received_at", "contacted_at",
                                 "proposal_at", "resolved_at", "valid"), complaints)
    return counts


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("out", nargs="?", default=str(Path(__file__).parent / "bundle" / "data"))
    ap.add_argument("--year", type=int, default=2026)
    ap.add_argument("--seed", type=int, default=2026)
    a = ap.parse_args(argv)
    for name, n in generate(a.out, year=a.year, seed=a.seed).items():
        print(f"{name}: {n} rows")


if __name__ == "__main__":
    main()
