"""The cross-site report: several sites' rule sets, each on its own data, side by side (score
distribution, grade mix, payout per head, the items where most points are lost)."""

from fractions import Fraction

import attrs

from .compare import NONE, grade_order
from .flags import count_flags
from .numbers import fmt, quantize
from .output import places_of

#: score bands of the distribution: (label, lower bound inclusive); the first has no lower bound
BINS = (("< 60", None), ("60–70", 60), ("70–80", 70), ("80–90", 80), ("≥ 90", 90))


@attrs.define
class SitesReport:
    period: str
    sites: list  # one dict per site
    bins: list
    grade_keys: list
    currency: str
    failed: list = attrs.Factory(list)  # {"config", "error"} of each site that failed
    run: object = None  # the GroupRun (timings, run ids): not part of the report's data
    lang: str = "en"  # the page's language: zh-CN when a site's rule set works in Chinese
    #: the sites' declared rounding as decimal places (the finest over the sites: each site's
    #: figures are already rounded by its own step) and the first site's rounding mode
    score_places: int = 2
    money_places: int = 2
    mode: str = "half_up"

    def as_dict(self) -> dict:
        return {"period": self.period, "bins": self.bins, "grades": self.grade_keys,
                "currency": self.currency, "sites": self.sites, "failed": self.failed}


def _bin(score) -> str:
    label = BINS[0][0]
    for name, lo in BINS[1:]:
        if score >= lo:
            label = name
    return label


def site_summary(rs, ev, top=5) -> dict:
    from .report_html import lang_of

    r = rs.rounding
    results = ev.results
    scored = [er for er in results if er.score is not None]
    scores = sorted(Fraction(er.score) for er in scored)
    head = len(results)
    payout = sum((Fraction(er.payout) for er in results if er.payout is not None), Fraction(0))
    grades: dict = {}
    for er in results:
        g = er.grade.grade if er.grade is not None and er.grade.grade else NONE
        grades[g] = grades.get(g, 0) + 1
    dist = {name: 0 for name, _ in BINS}
    for s in scores:
        dist[_bin(s)] += 1
    lost: dict = {}
    for er in scored:
        for o in er.items:
            if o.item.in_total and o.item.max is not None and o.points is not None:
                a = lost.setdefault(o.item.id, [Fraction(0), 0, o.item])
                a[0] += o.item.max - o.points
                a[1] += 1 if o.points < o.item.max else 0
        for p, adj in er.adjustments:
            if adj.points < 0:
                a = lost.setdefault(p.id, [Fraction(0), 0, p])
                a[0] += -adj.points
                a[1] += 1
    most = sorted(((k, v) for k, v in lost.items() if v[0] > 0), key=lambda kv: -kv[1][0])[:top]

    def q(v, step):
        return str(quantize(v, step, r.mode))

    median = None
    if scores:
        mid = len(scores) // 2
        median = scores[mid] if len(scores) % 2 else (scores[mid - 1] + scores[mid]) / 2
    return {
        "site": rs.meta.site, "org": rs.meta.org, "config": str(rs.path), "headcount": head,
        "lang": lang_of(rs),
        "scored": len(scored),
        "mean_score": q(sum(scores) / len(scores), r.score) if scores else None,
        "median_score": q(median, r.score) if median is not None else None,
        "min_score": q(scores[0], r.score) if scores else None,
        "max_score": q(scores[-1], r.score) if scores else None,
        "payout_total": q(payout, r.money),
        "payout_per_head": q(payout / head, r.money) if head else None,
        "distribution": dist, "grades": grades,
        # consequence flags raised (scorecards' flags), employees per flag id
        "flags": count_flags({"flags": er.flags} for er in results),
        "most_lost": [{"item": k, "label": v[2].label or v[2].label_zh,
                       "label_zh": v[2].label_zh, "lost_total": fmt(v[0]),
                       "lost_per_head": q(v[0] / len(scored), r.score),
                       "employees_losing": v[1]} for k, v in most],
    }


def sites_report(configs, period: str, db=None, workers: int = 1, scheduler=None,
                 ship_data: bool = False, progress=None, label=None) -> SitesReport:
    """Evaluate every rule set in ``configs`` on its own data for ``period``, one task per site
    (:func:`scorecard.group.run_group`: this process, ``workers`` processes or a Dask
    ``scheduler``); with ``db`` every site's run and the group's summary are stored there in
    one transaction. Sites that fail are in ``failed``, with their error."""
    from .group import run_group

    run = run_group(configs, period, workers=workers, scheduler=scheduler, ship_data=ship_data,
                    db=db, label=label, progress=progress)
    return report_of(run)


def report_of(run) -> SitesReport:
    """The side-by-side report of a group run (the same whatever executed it)."""
    ok = run.succeeded
    sites = [o["summary"] for o in ok]
    keys = grade_order(None, (g for s in sites for g in s["grades"]),
                       declared=[o["grades"] for o in ok])
    currencies = {o["currency"] for o in ok}
    failed = [{"config": o["config"], "error": o["error"]} for o in run.failed]
    # a site is known by its organisation AND its name: two organisations' "main" sites are
    # two rows and two bars, named "org / site" whenever more than one organisation is shown
    orgs = {s["org"] for s in sites}
    for s in sites:
        s["name"] = f"{s['org']} / {s['site']}" if len(orgs) > 1 else s["site"]
    lang = "zh-CN" if any(s.get("lang") == "zh-CN" for s in sites) else "en"
    steps = [o.get("rounding") or ("0.01", "0.01", "half_up") for o in ok]
    rep = SitesReport(run.period, sites, [b for b, _ in BINS], keys,
                      " / ".join(sorted(currencies)), failed, lang=lang,
                      score_places=max((places_of(s[0]) for s in steps), default=2),
                      money_places=max((places_of(s[1]) for s in steps), default=2),
                      mode=steps[0][2] if steps else "half_up")
    rep.run = run
    return rep


def site_places(rep: SitesReport) -> tuple[int, str, dict]:
    """How the sites' tables show numbers: score places, rounding mode, and the money
    columns' own places (from the rule sets' declared rounding)."""
    money = {c: rep.money_places for c in ("payout_total", "payout_per_head")}
    return rep.score_places, rep.mode, money


def render_text(rep: SitesReport) -> str:
    from .output import table

    places, mode, money = site_places(rep)
    out = [f"sites side by side — {rep.period}"]
    cols = ["name", "headcount", "scored", "mean_score", "median_score", "min_score",
            "max_score", "payout_total", "payout_per_head"]
    out.append(table(rep.sites, cols, ["site", "heads", "scored", "mean", "median", "min", "max",
                                       "payout", "per head"], places, mode, money))
    out.append("\nscore distribution")
    out.append(table([{"site": s["name"], **s["distribution"]} for s in rep.sites],
                     ["site", *rep.bins]))
    out.append("\ngrade mix")
    out.append(table([{"site": s["name"], **{g: s["grades"].get(g, 0) for g in rep.grade_keys}}
                      for s in rep.sites], ["site", *rep.grade_keys]))
    flag_ids = sorted({f for s in rep.sites for f in s.get("flags", {})})
    if flag_ids:
        out.append("\nflags raised (employees)")
        out.append(table([{"site": s["name"], **{f: s["flags"].get(f, 0) for f in flag_ids}}
                          for s in rep.sites], ["site", *flag_ids]))
    out.append("\nmost-lost items (points lost per head)")
    rows = [{"site": s["name"], **x} for s in rep.sites for x in s["most_lost"]]
    out.append(table(rows, ["site", "item", "lost_per_head", "lost_total", "employees_losing"],
                     ["site", "item", "per head", "total", "employees"], places, mode))
    if rep.failed:
        out.append(f"\nFAILED: {len(rep.failed)} site(s), not in the tables above")
        from .group import failure_text

        out.extend(failure_text(f["config"], f["error"]) for f in rep.failed)
    return "\n".join(out)
