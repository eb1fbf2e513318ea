"""A seeded group of dealer sites for group runs (docs/scale.md): N sites × M staff, each site a
folder with its own rule set (extending the group's) and its own month of exports.

    python benchmarks/groupgen.py OUT --sites 200 --staff 50 [--shape after-sales|automotive]
        [--month 2026-10] [--seed 2026]

writes ``OUT/group/scorecard.toml`` (the bundle's rule set) and ``OUT/dealers/dNNNN/`` with
``scorecard.toml`` and ``data/*.csv`` per site, so that

    scorecard sites 'OUT/dealers/*/scorecard.toml' -p 2026-10

evaluates the group. Shapes: ``after-sales`` (DATA.md "After-sales CSI": advisors, technicians
and parts staff; surveys, work orders with come-backs, complaints) and ``automotive`` (DATA.md
"Automotive contact centre", the bundle's own sample generator per site). Every fifth site
changes a threshold in its own rule set (sites differ by rules as well as data). The same seed
always gives byte-identical files.
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import random
import shutil
from pathlib import Path

SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐"
GIVEN = "伟 芳 娜 敏 静 强 磊 洋 艳 勇 军 杰 涛 明 超 霞 平 刚 晨 婷 鹏 浩然 子涵 思远 俊杰".split()
FAULTS = ("P0301", "P0420", "P0171", "P0128", "B1318", "C0035", "U0100", "P0700", "P0455")
ROLES = (("S", "advisor", 0.35), ("T", "technician", 0.45), ("P", "parts", 0.20))


def _write(path: Path, header, rows) -> int:
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(header)
        w.writerows(rows)
    return len(rows)


def _ts(t: dt.datetime) -> str:
    return t.strftime("%Y-%m-%d %H:%M")


def _month(month: str) -> tuple[dt.datetime, int]:
    y, m = map(int, month.split("-"))
    first = dt.datetime(y, m, 1)
    nxt = dt.datetime(y + m // 12, m % 12 + 1, 1)
    return first, (nxt - first).days


def after_sales_site(data: Path, site: str, staff: int, month: str, rng: random.Random) -> int:
    """One dealer's month in the after-sales shape (plus 15 days of the next month's work
    orders: a come-back is read after the period's end). Returns the number of data rows."""
    first, days = _month(month)
    people = []
    for prefix, role, share in ROLES:
        for i in range(1, max(1, round(staff * share)) + 1):
            people.append((f"{prefix}{i:03d}", role))
    people = people[:staff] if len(people) > staff else people
    levels = ("junior", "intermediate", "senior")
    emps = [(eid, rng.choice(SURNAMES) + rng.choice(GIVEN), site, role, rng.choice(levels))
            for eid, role in people]
    techs = [e for e, r in people if r == "technician"] or [people[0][0]]

    def at(day, lo=8, hi=18):
        return first + dt.timedelta(days=day, hours=rng.randint(lo, hi - 1),
                                    minutes=rng.randrange(60))

    surveys, orders, complaints = [], [], []
    for eid, role in people:
        mu, rep = rng.uniform(3.2, 4.9), rng.uniform(0.02, 0.2)
        for _ in range(rng.randint(3, 8)):
            row = [max(1, min(5, round(rng.gauss(mu, 0.7)))) for _ in range(5)]
            if rng.random() < 0.08:
                row[rng.randrange(5)] = ""  # a dimension not answered: blank, not 0
            surveys.append((f"Q{len(surveys) + 1:05d}", eid, _ts(at(rng.randrange(days))),
                            *row))
        if role != "parts":
            for _ in range(rng.randint(8, 14) if role == "technician" else rng.randint(4, 8)):
                opened = at(rng.randrange(days))
                closed = opened + dt.timedelta(hours=rng.randint(2, 50))
                vin, fault = f"LSV{rng.randrange(10**13, 10**14)}", rng.choice(FAULTS)
                orders.append([eid, vin, fault, _ts(opened), _ts(closed), ""])
                if rng.random() < rep:  # a come-back 3..40 days later: in or out of 30 days
                    back = closed + dt.timedelta(days=rng.randint(3, 40))
                    if back < first + dt.timedelta(days=days + 15):
                        orders.append([rng.choice(techs), vin, fault, _ts(back),
                                       _ts(back + dt.timedelta(hours=rng.randint(2, 30))), ""])
        for _ in range(rng.choices((0, 1, 2), (55, 35, 10))[0]):
            t0 = at(rng.randrange(days), 8, 20)
            slow = rng.random() < 0.15
            contacted = t0 + dt.timedelta(hours=rng.randint(1, 30 if slow else 23))
            proposal = contacted + dt.timedelta(hours=rng.randint(2, 30 if slow else 20))
            resolved = t0 + dt.timedelta(days=rng.randint(1, 13 if slow else 7))
            valid = "0" if rng.random() < 0.07 else "1"
            complaints.append((f"C{len(complaints) + 1:04d}", eid, _ts(t0), _ts(contacted),
                               _ts(proposal), _ts(resolved), valid))
    orders.sort(key=lambda r: (r[3], r[0], r[1]))
    n = _write(data / "employees.csv", ("employee_id", "name", "site", "role", "level"), emps)
    n += _write(data / "surveys.csv", ("survey_id", "employee_id", "answered_at", "attitude",
                                       "response", "repair_quality", "parts", "cost"), surveys)
    n += _write(data / "work_orders.csv", ("order_id", "employee_id", "vin", "fault_code",
                                           "opened_at", "closed_at", "first_time_fix"),
                [(f"WO{i:05d}", *r) for i, r in enumerate(orders, 1)])
    n += _write(data / "complaints.csv", ("complaint_id", "employee_id", "received_at",
                                          "contacted_at", "proposal_at", "resolved_at", "valid"),
                complaints)
    return n


def automotive_site(data: Path, site: str, staff: int, month: str, seed: int) -> int:
    """One contact centre's month in the automotive shape: the bundle's own sample generator
    with ``staff`` agents, the employees' site column set to the site."""
    from scorecard_automotive.generate import generate

    counts = generate(data, month=month, agents=staff, seed=seed)
    path = data / "employees.csv"
    with open(path, newline="", encoding="utf-8") as f:
        rows = list(csv.reader(f))
    col = rows[0].index("site")
    for r in rows[1:]:
        r[col] = site
    _write(path, rows[0], rows[1:])
    return sum(counts.values())


SHAPES = {
    # shape: (bundle, the sources a site's rule set points at its own files, a site's own rule)
    "after-sales": ("after-sales-csi", ("employees", "surveys", "work_orders", "complaints"),
                    '[[scorecards.csi.items]]\nid = "ftfr"\nrepeat_window_days = 28\n'),
    "automotive": ("automotive-contact-centre",
                   ("employees", "contacts", "qa_findings", "supervisor_marks"),
                   '[[scorecards.agent.items]]\nid = "resolution"\nscore = { target = 85 }\n'),
}


def generate_group(out, sites: int = 10, staff: int = 50, *, shape: str = "after-sales",
                   month: str = "2026-10", seed: int = 2026) -> list[Path]:
    """Write the group; returns the sites' rule-set paths, in order."""
    from scorecard.bundles import get_bundle

    bundle, sources, own_rule = SHAPES[shape]
    out = Path(out)
    group = out / "group"
    group.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(get_bundle(bundle).path / "scorecard.toml", group / "scorecard.toml")
    configs = []
    width = max(4, len(str(sites)))
    for n in range(1, sites + 1):
        site = f"d{n:0{width}d}"
        d = out / "dealers" / site
        rng = random.Random(f"{seed}/{shape}/{site}")
        if shape == "after-sales":
            after_sales_site(d / "data", site, staff, month, rng)
        else:
            automotive_site(d / "data", site, staff, month, seed + n)
        text = f'[ruleset]\nextends = "../../group/scorecard.toml"\nsite = "{site}"\n\n'
        for src in sources:
            text += f'[sources.{src}]\npath = "data/{src}.csv"\n\n'
        if n % 5 == 0:
            text += "# this dealer's own threshold\n" + own_rule
        (d / "scorecard.toml").write_text(text, encoding="utf-8")
        configs.append(d / "scorecard.toml")
    return configs


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("out")
    ap.add_argument("--sites", type=int, default=10)
    ap.add_argument("--staff", type=int, default=50)
    ap.add_argument("--shape", choices=sorted(SHAPES), default="after-sales")
    ap.add_argument("--month", default="2026-10")
    ap.add_argument("--seed", type=int, default=2026)
    a = ap.parse_args(argv)
    configs = generate_group(a.out, a.sites, a.staff, shape=a.shape, month=a.month, seed=a.seed)
    print(f"{len(configs)} sites × {a.staff} staff ({a.shape}) in {a.out}/dealers")


if __name__ == "__main__":
    main()
