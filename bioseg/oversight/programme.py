"""The annual programme of a province: from products, sites and ratings, the year's obligations as jobs of the
scheduling exchange format (``../shared/oversight/README.md``), with what each job covers and why.

For province R and year Y (figures in ``riskconfig/programme.yaml``, each with its source):

- **annual comprehensive** (pilot plan): for each product of a holder in R whose chain has a segment in force in Y,
  one job per site of the chain — a site in R staffed by R; a site in another province P a **joint** job, R leading
  (the holder's province, 药品检查管理办法 Art. 56), ≥2 inspectors from each side;
- **sampling** (pilot plan): one job per product and site in R making its drug substance or drug product;
- **GMP compliance** (药品生产监督管理办法 Art. 55): every site in R making sterile products, vaccines or blood
  products, once a year; any other site in R when its rating's frequency falls due in Y (optional otherwise);
- **follow-up** (Art. 56): a site in R with findings whose CAPA is still open;
- **unannounced**: ⌈sites / 4⌉ sites of R drawn with weights from their ratings (never zero for a pilot site) and a
  date in the year drawn for each from the plan's secret seed (``bioseg.scheduling.draws``); each job's window
  starts on its drawn date (the target) and allows a few days' slack.

Every site is (re-)rated first; a job's value is its base value scaled by the site's priority score. Partner
provinces' inspectors appear only as counts ("free capacity", ``P-free-1``…): the lead province schedules against
them and the partner names its people when the inspection is prepared.
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

import yaml

from bioseg.common.months import add_months
from bioseg.oversight.risk import all_configs

PROGRAMME_FILE = Path(__file__).with_name("riskconfig") / "programme.yaml"
STERILE = ("drug_product", "fill_finish")
ANNUAL_GMP_CATEGORIES = ("vaccine", "vaccine_combination", "vaccine_multivalent", "blood_product")
MANUFACTURING_STAGES = ("drug_substance", "drug_product", "conjugation", "antibody_intermediate")


@cache
def programme_config() -> dict[str, Any]:
    data = yaml.safe_load(PROGRAMME_FILE.read_text(encoding="utf-8"))
    sources = all_configs()[-1].sources
    for kind, spec in data["jobs"].items():
        if spec["source"] not in sources:
            raise ValueError(f"programme job {kind}: unknown source {spec['source']!r}")
    return data


def site_id(site) -> str:
    return f"S{site.pk}"


@dataclass
class Programme:
    """The problem (exchange format) and, per job, what the records behind it are."""

    region_code: str
    year: int
    problem: dict[str, Any]
    meta: dict[str, dict[str, Any]] = field(default_factory=dict)  # job id → kind, site, product, partner, reasons
    draw_inputs: dict[str, Any] | None = None
    draws: list[dict[str, Any]] = field(default_factory=list)
    notes: list[tuple[str, str]] = field(default_factory=list)


def calendar(year: int) -> tuple[list[str], list[str], tuple[str, str] | None]:
    """Holidays and working weekends of ``year``, and a note when bioseg has no calendar for it."""
    cal = programme_config()["calendars"].get(year)
    if cal is None:
        return (
            [],
            [],
            (
                f"No holiday calendar for {year}: planned Monday to Friday.",
                f"{year} 年无节假日安排：按周一至周五安排。",
            ),
        )
    note = None
    if str(cal["source"]).startswith("our_choice"):
        note = (
            f"The {year} holidays are assumed until the State Council's notice is published.",
            f"{year} 年节假日为暂定安排，以国务院办公厅通知为准。",
        )
    return [d.isoformat() for d in cal["holidays"]], [d.isoformat() for d in cal["working_weekends"]], note


def derive(region_code: str, year: int, *, ratings: dict[int, Any], seed: bytes | None, plan_id: str, version: int):
    """The programme of ``region_code`` for ``year``. ``ratings``: the current ``RiskRating`` per site id (the
    services rate every site first). With ``seed``, the unannounced sites and dates are drawn."""
    from django.db.models import Q

    from bioseg.oversight.models import Finding, InspectorProfile, JointStatus, JointSupervisionPlan
    from bioseg.oversight.services import site_city
    from bioseg.production.models import Segment
    from bioseg.quality.models import OPEN_CAPA_STATES
    from bioseg.registry.models import Site
    from bioseg.scheduling import draws as drawing

    cfg = programme_config()["jobs"]
    start, end = dt.date(year, 1, 1), dt.date(year, 12, 31)
    holidays, working_weekends, note = calendar(year)
    prog = Programme(region_code=region_code, year=year, problem={})
    if note:
        prog.notes.append(note)

    in_force = Q(chain__effective_from__lte=end) & (
        Q(chain__effective_until__isnull=True) | Q(chain__effective_until__gte=start)
    )
    segments = list(
        Segment.objects.filter(in_force)
        .filter(Q(site__region_code=region_code) | Q(chain__product__holder__region_code=region_code))
        .select_related("site", "chain__product__holder")
        .order_by("chain__product_id", "position")
    )
    abroad = sorted({s.site.name_en for s in segments if not s.site.region_code})
    if abroad:
        prog.notes.append(
            (
                f"Sites abroad are inspected by NMPA, not in a provincial programme: {', '.join(abroad)}.",
                "境外生产场地由国家药监局组织检查，不列入省级检查计划："
                + "、".join(sorted({s.site.name_zh for s in segments if not s.site.region_code}))
                + "。",
            )
        )
        segments = [s for s in segments if s.site.region_code]
    sites: dict[int, Any] = {}
    jobs: list[dict[str, Any]] = []

    def value_of(kind: str, site) -> int:
        score = ratings[site.pk].score if site.pk in ratings else 0
        return round(cfg[kind]["value"]["value"] * (100 + score) / 100)

    def job(ident, kind, site, *, duration, mandatory, product=None, partner="", obligation=("", ""), **extra):
        spec = cfg[kind]
        team = spec["joint_team"] if partner and "joint_team" in spec else spec["team"]
        body: dict[str, Any] = {
            "id": ident,
            "site": site_id(site),
            "type": kind,
            "duration_days": duration,
            "window": {"from": start.isoformat(), "to": end.isoformat()},
            "mandatory": mandatory,
            "value": value_of(kind, site),
            "team": {"min": team["min"], "max": team["max"]},
            "requires": {k: v for k, v in spec["requires"].items() if k != "source"},
            "unannounced": kind == "unannounced",
            "obligations": [obligation[0]] if obligation[0] else [],
        }
        if site.pk in ratings:
            body["risk"] = ratings[site.pk].score
        if partner:
            body["joint"] = {"lead_province": region_code, "partner_province": partner, "min_each": team["min_each"]}
        body.update(extra)
        jobs.append(body)
        sites[site.pk] = site
        prog.meta[ident] = {
            "kind": kind,
            "site_id": site.pk,
            "product_id": product.pk if product else None,
            "partner_region_code": partner,
            "obligation_en": obligation[0],
            "obligation_zh": obligation[1],
            "source": spec["source"],
        }

    # annual comprehensive: the holder's province, every site of the chain
    seen: set[tuple[int, int]] = set()
    for seg in segments:
        product = seg.chain.product
        if product.holder.region_code != region_code or (product.pk, seg.site_id) in seen:
            continue
        seen.add((product.pk, seg.site_id))
        site = seg.site
        partner = site.region_code if site.region_code and site.region_code != region_code else ""
        duration = cfg["annual_comprehensive"]["duration_days"]
        days = duration["drug_product"] if seg.stage == "drug_product" else duration["default"]
        job(
            f"AC-{product.pk}-{site.pk}",
            "annual_comprehensive",
            site,
            duration=days,
            mandatory=True,
            product=product,
            partner=partner,
            obligation=(
                f"annual comprehensive inspection of {product.name_en} ({year})",
                f"{product.name_zh} {year} 年度全面检查",
            ),
        )
    # sampling: products made in the province
    seen = set()
    for seg in segments:
        product, site = seg.chain.product, seg.site
        if site.region_code != region_code or seg.stage not in MANUFACTURING_STAGES or (product.pk, site.pk) in seen:
            continue
        seen.add((product.pk, site.pk))
        job(
            f"SM-{product.pk}-{site.pk}",
            "sampling",
            site,
            duration=cfg["sampling"]["duration_days"]["value"],
            mandatory=True,
            product=product,
            obligation=(f"sampling of {product.name_en} ({year})", f"{product.name_zh} {year} 年监督抽检"),
        )
    # GMP compliance: sterile / vaccine / blood sites every year; others when their frequency falls due
    local_sites = {s.site_id: s.site for s in segments if s.site.region_code == region_code}
    categories: dict[int, set[str]] = {}
    for seg in segments:
        categories.setdefault(seg.site_id, set()).add(seg.chain.product.category)
    for pk, site in sorted(local_sites.items()):
        acts = set(site.activities.split(","))
        annual = bool(acts & set(STERILE)) or bool(categories.get(pk, set()) & set(ANNUAL_GMP_CATEGORIES))
        rating = ratings.get(pk)
        due = annual
        if not annual and rating is not None:
            last = rating.inputs.get("last_inspected_on")
            due = last is None or add_months(dt.date.fromisoformat(last), rating.frequency_months) <= end
        job(
            f"GMP-{pk}",
            "gmp_compliance",
            site,
            duration=cfg["gmp_compliance"]["duration_days"]["value"],
            mandatory=due,
            obligation=(
                f"GMP compliance inspection of {site.name_en} ({year})",
                f"{site.name_zh} {year} 年药品GMP符合性检查",
            ),
        )
    # follow-up: open findings
    open_findings = set(
        Finding.objects.filter(site_id__in=list(local_sites), capa__status__in=OPEN_CAPA_STATES).values_list(
            "site_id", flat=True
        )
    )
    for pk in sorted(open_findings):
        site = local_sites[pk]
        job(
            f"FU-{pk}",
            "follow_up",
            site,
            duration=cfg["follow_up"]["duration_days"]["value"],
            mandatory=False,
            obligation=(f"follow-up of open findings at {site.name_en}", f"{site.name_zh}缺陷整改跟踪检查"),
        )
    # unannounced: drawn
    if local_sites:
        ua = cfg["unannounced"]
        count = max(1, math.ceil(len(local_sites) / ua["sites_per_draw"]["value"]))
        slack = ua["slack_days"]["value"]
        duration = ua["duration_days"]["value"]
        window_end = end - dt.timedelta(days=slack + duration)
        prog.draw_inputs = {
            "count": count,
            "weights": {k: v for k, v in ua["weights"].items() if k != "source"},
            "holidays": holidays,
            "working_weekends": working_weekends,
            "candidates": [
                {
                    "site": site_id(site),
                    "rating": ratings[pk].overall if pk in ratings else "medium",
                    "pilot": True,
                    "window": {"from": start.isoformat(), "to": window_end.isoformat()},
                    "duration_days": duration,
                }
                for pk, site in sorted(local_sites.items())
            ],
        }
        if seed is not None:
            drawn = drawing.rederive(seed, plan_id, version, prog.draw_inputs)
            prog.draws = [d.as_dict() for d in drawn]
            for d in drawn:
                site = sites.get(int(d.site[1:])) or Site.objects.get(pk=int(d.site[1:]))
                to = min(d.date + dt.timedelta(days=slack + duration), end)
                job(
                    f"UA-{d.order}",
                    "unannounced",
                    site,
                    duration=duration,
                    mandatory=True,
                    obligation=(
                        f"unannounced inspection drawn for {site.name_en}",
                        f"随机抽取的{site.name_zh}飞行检查",
                    ),
                    window={"from": d.date.isoformat(), "to": to.isoformat()},
                    target=d.date.isoformat(),
                )

    # inspectors: the province's own, and the partners' free capacity as counts
    profiles = list(
        InspectorProfile.objects.filter(region_code=region_code, user__is_active=True)
        .select_related("user")
        .prefetch_related("absences", "conflicts")
        .order_by("user__username")
    )
    inspectors = []
    conflicts = []
    for p in profiles:
        inspectors.append(
            {
                "id": p.user.username,
                "province": p.region_code,
                "city": p.city,
                "qualifications": p.qualification_list,
                "unavailable": [
                    {"from": a.starts_on.isoformat(), "to": a.ends_on.isoformat()}
                    for a in p.absences.all()
                    if a.ends_on >= start and a.starts_on <= end
                ],
                "max_days": p.max_days,
            }
        )
        conflicts += [{"inspector": p.user.username, "site": f"S{c.site_id}"} for c in p.conflicts.all()]
    partners = sorted({m["partner_region_code"] for m in prog.meta.values() if m["partner_region_code"]})
    for partner in partners:
        agreed = (
            JointSupervisionPlan.objects.filter(
                lead_region_code=region_code, partner_region_code=partner, status=JointStatus.IN_FORCE
            )
            .order_by("-partner_free_inspectors")
            .values_list("partner_free_inspectors", flat=True)
            .first()
        )
        if agreed is None:  # no joint plan in force yet: the partner's registered inspectors, as a count
            free = InspectorProfile.objects.filter(region_code=partner, user__is_active=True).count()
            prog.notes.append(
                (
                    f"No joint supervision plan with {partner} is in force: its capacity is assumed from its "
                    "registered inspectors.",
                    f"与 {partner} 尚无生效的联合监管方案：其可用能力按已登记检查员人数估计。",
                )
            )
        else:
            free = agreed
        for n in range(1, free + 1):
            inspectors.append(
                {
                    "id": f"{partner}-free-{n}",
                    "province": partner,
                    "city": "",
                    "qualifications": ["biologics", "official"],
                    "unavailable": [],
                    "max_days": 20,
                }
            )
        prog.notes.append(
            (
                f"{partner} shares {free} inspectors' free capacity; it names its people for each joint job.",
                f"{partner} 提供 {free} 名检查员的可用能力；联合检查的具体人员由该省指派。",
            )
        )
    site_rows = [{"id": site_id(s), "province": s.region_code, "city": site_city(s)} for _, s in sorted(sites.items())]
    prog.problem = {
        "horizon": {"from": start.isoformat(), "to": end.isoformat()},
        "holidays": holidays,
        "working_weekends": working_weekends,
        "inspectors": inspectors,
        "sites": site_rows,
        "jobs": jobs,
        "conflicts": [c for c in conflicts if c["site"] in {r["id"] for r in site_rows}],
    }
    return prog
