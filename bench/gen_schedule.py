"""Seeded generator of inspection-scheduling problems in the exchange format (../shared/oversight/README.md).

    python bench/gen_schedule.py --size province --seed 1 --out /tmp/province.json

Sizes (jobs / inspectors): ``pilot`` 50 / 20 (pilot products only: Jiangsu + Shanghai, many joint jobs),
``province`` 200 / 60, ``tight`` 200 / 20 (the same work, a third of the people), ``large`` 800 / 120
(Jiangsu with partners in Shanghai and Zhejiang).

What makes them realistic:

- the 2027 calendar: Mon–Fri less the public holidays, plus the 调休 working weekends (the State Council
  publishes each year's notice in the autumn before; the 2027 dates here are our assumption, following the
  usual pattern and the example problem);
- provinces with their cities; sites with a product kind (antibody, ADC, vaccine, blood product) and a risk
  score 20–95; cross-province pilot chains whose sites need joint jobs (≥2 inspectors from each province, the
  leader from the holder's province);
- job types with their usual windows, durations, teams and qualifications: annual comprehensive (whole year or
  a half, mandatory for pilot sites), GMP compliance (mandatory for vaccine, blood and aseptic sites),
  sampling, follow-up (short window), for-cause (short window, high value), unannounced (window of 6–10
  weeks, a target date drawn with :mod:`bioseg.scheduling.draws`, nobody from the site's city);
- inspectors with qualifications (lead, enforcement certificate, biologics, aseptic, vaccine, ADC, data
  integrity), leave and training periods, an annual cap of inspection days, conflicts of interest (回避);
- the work slightly exceeds the capacity (the tight problem: by far), so the objective has something to
  decide; the mandatory share is about a third (a quarter in the tight problem).
"""

from __future__ import annotations

import argparse
import json
import random
import sys
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bioseg.scheduling.draws import commitment, rederive  # noqa: E402

HORIZON = {"from": "2027-01-04", "to": "2027-12-31"}
HOLIDAYS_2027 = [
    "2027-01-01",
    *[f"2027-02-{d:02d}" for d in range(5, 12)],  # Spring Festival (春节, 6 February)
    "2027-04-05",  # Qingming
    *[f"2027-05-{d:02d}" for d in range(1, 6)],  # Labour Day
    "2027-06-14",  # Dragon Boat (as in the example problem)
    "2027-09-15",  # Mid-Autumn
    *[f"2027-10-{d:02d}" for d in range(1, 8)],  # National Day
]
WORKING_WEEKENDS_2027 = ["2027-02-13", "2027-04-25", "2027-09-26", "2027-10-09"]

PROVINCES: dict[str, tuple[str, list[str]]] = {
    "320000": ("JS", ["南京", "苏州", "无锡", "常州", "泰州", "南通", "扬州", "镇江", "连云港", "盐城"]),
    "310000": ("SH", ["浦东", "闵行", "奉贤", "嘉定", "松江", "徐汇", "金山"]),
    "330000": ("ZJ", ["杭州", "宁波", "绍兴", "台州", "嘉兴"]),
}
KIND_QUAL = {"antibody": None, "adc": "adc", "vaccine": "vaccine", "blood": "aseptic", "aseptic": "aseptic"}
QUAL_P = {
    "lead": 0.38,
    "official": 0.85,
    "biologics": 0.65,
    "aseptic": 0.3,
    "vaccine": 0.25,
    "adc": 0.22,
    "data_integrity": 0.45,
}


@dataclass(frozen=True)
class Size:
    name: str
    jobs: int
    inspectors: dict[str, int]  # province → inspectors
    sites: dict[str, int]  # province → sites
    max_days: tuple[int, int]
    mandatory_share: float
    joint_share: float  # share of sites that belong to a cross-province chain


SIZES = {
    "pilot": Size("pilot", 50, {"320000": 12, "310000": 8}, {"320000": 10, "310000": 6}, (25, 45), 0.4, 0.5),
    "province": Size("province", 200, {"320000": 48, "310000": 12}, {"320000": 60, "310000": 6}, (12, 24), 0.33, 0.12),
    "tight": Size("tight", 200, {"320000": 16, "310000": 4}, {"320000": 60, "310000": 6}, (26, 40), 0.25, 0.12),
    "large": Size(
        "large",
        800,
        {"320000": 96, "310000": 14, "330000": 10},
        {"320000": 230, "310000": 12, "330000": 10},
        (18, 34),
        0.33,
        0.08,
    ),
}

# type → (share, duration range, team (min, max), value base, window kind)
TYPES = {
    "annual_comprehensive": (0.22, (2, 4), (2, 4), 60, "year"),
    "gmp_compliance": (0.22, (2, 4), (2, 3), 50, "half"),
    "sampling": (0.16, (1, 1), (2, 2), 25, "quarter"),
    "follow_up": (0.12, (1, 2), (2, 3), 40, "weeks"),
    "for_cause": (0.1, (1, 3), (2, 4), 80, "short"),
    "unannounced": (0.18, (1, 2), (2, 3), 70, "weeks"),
}


def _d(s: str) -> date:
    return date.fromisoformat(s)


def _window(rng: random.Random, kind: str) -> tuple[date, date]:
    start, end = _d(HORIZON["from"]), _d(HORIZON["to"])
    if kind == "year":
        return start, end
    if kind == "half":
        return (start, date(2027, 6, 30)) if rng.random() < 0.5 else (date(2027, 7, 1), end)
    if kind == "quarter":
        q = rng.randrange(4)
        a = date(2027, 1 + 3 * q, 1)
        b = date(2027, 3 * q + 3, {0: 31, 1: 30, 2: 30, 3: 31}[q])
        return max(a, start), b
    weeks = rng.randint(6, 10) if kind == "weeks" else rng.randint(3, 6)
    span = timedelta(weeks=weeks)
    first = start + timedelta(days=rng.randrange((end - start - span).days))
    return first, first + span


def generate(size: str, seed: int = 1) -> dict[str, Any]:
    """A problem of the given size; the same (size, seed) always gives the same problem."""
    cfg = SIZES[size]
    rng = random.Random(f"bioseg-schedule-{size}-{seed}")
    provinces = list(cfg.inspectors)
    home = provinces[0]

    inspectors: list[dict[str, Any]] = []
    for province, count in cfg.inspectors.items():
        prefix, cities = PROVINCES[province]
        for k in range(count):
            quals = sorted(q for q, p in QUAL_P.items() if rng.random() < p)
            if k % 4 == 0 and "lead" not in quals:  # every province keeps enough team leaders
                quals = sorted({*quals, "lead", "official"})
            if "biologics" not in quals and rng.random() < 0.5:
                quals = sorted({*quals, "biologics"})
            unavailable = []
            for _ in range(rng.choice((0, 1, 1, 2, 3))):
                first = _d(HORIZON["from"]) + timedelta(days=rng.randrange(350))
                last = first + timedelta(days=rng.randint(2, 14))
                unavailable.append({"from": first.isoformat(), "to": min(last, _d(HORIZON["to"])).isoformat()})
            inspectors.append(
                {
                    "id": f"{prefix}-{k:03d}",
                    "province": province,
                    "city": rng.choice(cities),
                    "qualifications": quals,
                    "unavailable": sorted(unavailable, key=lambda p: p["from"]),
                    "max_days": rng.randint(*cfg.max_days),
                }
            )

    # every province has at least two inspectors of each qualification (a regulator staffs its own jobs)
    for province in cfg.inspectors:
        people = [i for i in inspectors if i["province"] == province]
        for q in QUAL_P:
            lacking = [i for i in people if q not in i["qualifications"]]
            for i in lacking[: max(0, 2 - (len(people) - len(lacking)))]:
                i["qualifications"] = sorted({*i["qualifications"], q})

    sites: list[dict[str, Any]] = []
    site_info: dict[str, dict[str, Any]] = {}
    n = 0
    for province, count in cfg.sites.items():
        _, cities = PROVINCES[province]
        for _ in range(count):
            sid = f"S{n:03d}"
            n += 1
            kind = rng.choices(list(KIND_QUAL), weights=(5, 2, 2, 1, 1))[0]
            partner = None
            if rng.random() < cfg.joint_share:
                partner = rng.choice([p for p in provinces if p != province]) if province == home else home
            sites.append({"id": sid, "province": province, "city": rng.choice(cities)})
            site_info[sid] = {
                "kind": kind,
                "risk": rng.randint(20, 95),
                "pilot": partner is not None or rng.random() < 0.3,
                "partner": partner,
                "province": province,
                # the holder's province leads a joint job: the home province for most chains
                "lead": home if partner is not None and rng.random() < 0.75 else province,
            }

    # site choice: the home province's own sites dominate; partner provinces' sites appear only in joint jobs
    # or in their own (small) share
    site_ids = [s["id"] for s in sites]
    site_weights = [3 if site_info[s]["province"] == home else 1 for s in site_ids]
    types = list(TYPES)
    jobs: list[dict[str, Any]] = []
    unannounced_jobs: list[dict[str, Any]] = []
    mandatory_left = round(cfg.mandatory_share * cfg.jobs)
    for k in range(cfg.jobs):
        sid = rng.choices(site_ids, weights=site_weights)[0]
        info = site_info[sid]
        kind = rng.choices(types, weights=[TYPES[t][0] for t in types])[0]
        _, (d0, d1), (t0, t1), base, wkind = TYPES[kind]
        duration = rng.randint(d0, d1)
        wa, wb = _window(rng, wkind)
        requires: dict[str, int] = {"biologics": 1}
        qual = KIND_QUAL[info["kind"]]
        if qual and kind in ("annual_comprehensive", "gmp_compliance", "for_cause", "unannounced"):
            requires[qual] = 1
        if kind in ("sampling", "for_cause", "unannounced"):
            requires["official"] = 2
        if kind == "for_cause" and rng.random() < 0.5:
            requires["data_integrity"] = 1
        joint = None
        if info["partner"] is not None and kind in ("annual_comprehensive", "gmp_compliance") and rng.random() < 0.7:
            lead = info["lead"]
            partner = info["partner"] if lead == info["province"] else info["province"]
            joint = {"lead_province": lead, "partner_province": partner, "min_each": 2}
            t0, t1 = 4, 5
        mandatory = False
        if mandatory_left > 0 and (
            (kind == "annual_comprehensive" and info["pilot"])
            or (kind == "gmp_compliance" and info["kind"] in ("vaccine", "blood", "aseptic"))
            or joint is not None
            or rng.random() < 0.12
        ):
            mandatory = True
            mandatory_left -= 1
        value = round(base * (0.5 + info["risk"] / 100) * rng.uniform(0.8, 1.2))
        job: dict[str, Any] = {
            "id": f"J{k + 1:04d}",
            "site": sid,
            "type": kind,
            "duration_days": duration,
            "window": {"from": wa.isoformat(), "to": wb.isoformat()},
            "mandatory": mandatory,
            "value": value,
            "team": {"min": t0, "max": t1},
            "requires": requires,
            "unannounced": kind == "unannounced",
            "risk": info["risk"],
            "obligations": [f"{kind}:{sid}:2027"],
        }
        if joint:
            job["joint"] = joint
        jobs.append(job)
        if kind == "unannounced":
            unannounced_jobs.append(job)

    conflicts = []
    for insp in inspectors:
        if rng.random() < 0.12:
            for sid in rng.sample(site_ids, rng.randint(1, 2)):
                conflicts.append({"inspector": insp["id"], "site": sid})

    # target dates of the unannounced jobs, drawn as bioseg draws them (seed derived from the generator's seed)
    if unannounced_jobs:
        seed_bytes = bytes.fromhex(f"{seed:064x}")
        plan_id = f"bench-{size}"
        inputs = {
            "count": len(unannounced_jobs),
            "holidays": HOLIDAYS_2027,
            "working_weekends": WORKING_WEEKENDS_2027,
            "candidates": [
                {
                    "site": j["id"],  # one candidate per job: every unannounced job gets its date
                    "weight": 1,
                    "pilot": True,
                    "window": j["window"],
                    "duration_days": j["duration_days"],
                }
                for j in unannounced_jobs
            ],
        }
        by_id = {j["id"]: j for j in unannounced_jobs}
        for d in rederive(seed_bytes, plan_id, 1, inputs):
            by_id[d.site]["target"] = d.date.isoformat()
        commit = commitment(seed_bytes, plan_id, 1)
    else:
        commit = None

    out = {
        "horizon": HORIZON,
        "holidays": HOLIDAYS_2027,
        "working_weekends": WORKING_WEEKENDS_2027,
        "inspectors": inspectors,
        "sites": sites,
        "jobs": jobs,
        "conflicts": conflicts,
        "generator": {"size": size, "seed": seed, "draws_commitment": commit},
    }
    # a mandatory job nobody could staff even on an empty calendar would make the whole problem infeasible;
    # a real programme flags it before planning (bioseg's precheck): here it becomes optional
    from bioseg.scheduling import parse_problem
    from bioseg.scheduling.explain import precheck

    unstaffable = {g["job"] for c in precheck(parse_problem(out)) for g in c["groups"] if g.get("kind") == "mandatory"}
    for j in jobs:
        if j["id"] in unstaffable:
            j["mandatory"] = False
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--size", choices=sorted(SIZES), required=True)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--out", type=Path, required=True)
    args = ap.parse_args()
    args.out.write_text(json.dumps(generate(args.size, args.seed), ensure_ascii=False, indent=1), encoding="utf-8")


if __name__ == "__main__":
    main()
