"""The risk rating of a site, computed from its inputs and the dated configuration ``riskconfig/ratings.yaml``.

Pure: no database. :func:`rate` takes a :class:`RiskInputs` (what the records say about the site on a day) and
the configuration version in force that day (:func:`config_for`) and returns a :class:`RiskResult`: the PIC/S
PI 037-1 levels (complexity × criticality → intrinsic; compliance; intrinsic × compliance → overall, with the
inspection frequency) and the 0–100 priority score with its named contributions, which add up exactly — a cap is
a contribution of its own. The services gather the inputs and store each result as a ``RiskRating`` row.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

import yaml

from bioseg.common.months import months_between

CONFIG_FILE = Path(__file__).with_name("riskconfig") / "ratings.yaml"
LEVELS = ("low", "medium", "high")
LEVEL_ZH = {"low": "低", "medium": "中", "high": "高"}
OUR_CHOICE = "our_choice"


class RiskConfigError(ValueError):
    pass


@dataclass(frozen=True)
class RiskConfig:
    version: str
    starts: dt.date
    data: dict[str, Any]
    sources: dict[str, dict[str, str]]

    def source(self, key: str) -> tuple[str, str]:
        if key == OUR_CHOICE:
            return "bioseg's choice", "bioseg 的选择"
        return self.sources[key]["en"], self.sources[key]["zh"]


def _check_value(where: str, spec: Any, sources: dict) -> None:
    if not isinstance(spec, dict) or "source" not in spec:
        raise RiskConfigError(f"{where}: every value needs a source (a key of 'sources' or 'our_choice')")
    if spec["source"] != OUR_CHOICE and spec["source"] not in sources:
        raise RiskConfigError(f"{where}: unknown source {spec['source']!r}")


def configs_from_mapping(raw: dict[str, Any]) -> tuple[RiskConfig, ...]:
    """Every version of a configuration mapping, oldest first; refuses a value without its source and a matrix
    that does not cover every pair of levels."""
    sources = raw.get("sources") or {}
    out = []
    for v in raw.get("versions") or ():
        start = v.get("from")
        if not isinstance(start, dt.date):
            raise RiskConfigError(f"version {v.get('version')!r}: 'from' must be a date")
        for group in ("complexity", "criticality"):
            for key, spec in (v[group].get("activities") or v[group].get("categories") or {}).items():
                _check_value(f"{group}.{key}", spec, sources)
                if spec["value"] not in LEVELS:
                    raise RiskConfigError(f"{group}.{key}: {spec['value']!r} is not one of {LEVELS}")
            _check_value(f"{group}.default", v[group]["default"], sources)
        for matrix in ("intrinsic_matrix", "overall_matrix"):
            _check_value(matrix, v[matrix], sources)
            for row in LEVELS:
                for col in LEVELS:
                    if v[matrix].get(row, {}).get(col) not in LEVELS:
                        raise RiskConfigError(f"{matrix}: no level for ({row}, {col})")
        for part in ("conclusion", "finding", "signal"):
            for key, spec in v["compliance"][part].items():
                _check_value(f"compliance.{part}.{key}", spec, sources)
        for key in ("key_personnel_changes_that_count", "lookback_months"):
            _check_value(f"compliance.{key}", v["compliance"][key], sources)
        for level in LEVELS:
            _check_value(f"frequency_months.{level}", v["frequency_months"][level], sources)
        for key, spec in v["score"].items():
            _check_value(f"score.{key}", spec, sources)
        out.append(RiskConfig(version=str(v["version"]), starts=start, data=v, sources=sources))
    if not out:
        raise RiskConfigError("no version")
    return tuple(sorted(out, key=lambda c: c.starts))


@cache
def all_configs() -> tuple[RiskConfig, ...]:
    return configs_from_mapping(yaml.safe_load(CONFIG_FILE.read_text(encoding="utf-8")))


def config_for(day: dt.date, configs: tuple[RiskConfig, ...] | None = None) -> RiskConfig:
    """The version in force on ``day``: the latest that starts on or before it."""
    found = [c for c in (configs or all_configs()) if c.starts <= day]
    if not found:
        raise RiskConfigError(f"no risk configuration applies on {day.isoformat()}")
    return found[-1]


@dataclass(frozen=True)
class RiskInputs:
    """What the records say about one site on ``as_of`` (the services gather it)."""

    as_of: dt.date
    activities: tuple[str, ...] = ()
    categories: tuple[str, ...] = ()
    last_conclusion: str = ""  # "" = no inspection with a signed report
    last_inspected_on: dt.date | None = None
    findings: dict[str, int] = field(default_factory=dict)  # grade → count, of the last inspection
    unqualified_samples: int = 0  # since the last inspection (or in the look-back when none)
    overdue_capas: int = 0
    deviations: dict[str, int] = field(default_factory=dict)  # classification → count, in the look-back
    key_personnel_changes: int = 0  # stationings begun or ended in the look-back

    def as_dict(self) -> dict[str, Any]:
        return {
            "as_of": self.as_of.isoformat(),
            "activities": list(self.activities),
            "categories": list(self.categories),
            "last_conclusion": self.last_conclusion,
            "last_inspected_on": self.last_inspected_on.isoformat() if self.last_inspected_on else None,
            "findings": dict(self.findings),
            "unqualified_samples": self.unqualified_samples,
            "overdue_capas": self.overdue_capas,
            "deviations": dict(self.deviations),
            "key_personnel_changes": self.key_personnel_changes,
        }


@dataclass(frozen=True)
class Contribution:
    code: str
    points: int
    en: str
    zh: str
    source: str

    def as_dict(self) -> dict[str, Any]:
        return {"code": self.code, "points": self.points, "en": self.en, "zh": self.zh, "source": self.source}


@dataclass(frozen=True)
class RiskResult:
    config_version: str
    complexity: str
    criticality: str
    intrinsic: str
    compliance: str
    overall: str
    frequency_months: int
    score: int
    contributions: tuple[Contribution, ...]
    reasons: tuple[tuple[str, str], ...]  # why each level is what it is, (en, zh)


def _highest(levels: list[str]) -> str:
    return max(levels, key=LEVELS.index) if levels else "low"


GRADE_ZH = {"critical": "严重", "major": "主要", "minor": "一般"}
CONCLUSION_ZH = {"compliant": "符合要求", "basically_compliant": "基本符合要求", "non_compliant": "不符合要求"}


def rate(inputs: RiskInputs, config: RiskConfig | None = None) -> RiskResult:
    cfg = config or config_for(inputs.as_of)
    d = cfg.data
    reasons: list[tuple[str, str]] = []

    acts = d["complexity"]["activities"]
    known = [a for a in inputs.activities if a in acts]
    complexity = _highest([acts[a]["value"] for a in known]) if known else d["complexity"]["default"]["value"]
    cats = d["criticality"]["categories"]
    made = [c for c in inputs.categories if c in cats]
    criticality = _highest([cats[c]["value"] for c in made]) if made else d["criticality"]["default"]["value"]
    intrinsic = d["intrinsic_matrix"][complexity][criticality]
    reasons.append(
        (
            f"Complexity {complexity} (activities: {', '.join(inputs.activities) or 'none'}); criticality "
            f"{criticality} (products: {', '.join(inputs.categories) or 'none'}); intrinsic risk {intrinsic}.",
            f"复杂程度{LEVEL_ZH[complexity]}，关键程度{LEVEL_ZH[criticality]}，固有风险{LEVEL_ZH[intrinsic]}。",
        )
    )

    comp = d["compliance"]
    conclusion = inputs.last_conclusion or "none"
    compliance = comp["conclusion"][conclusion]["value"]
    for grade, spec in comp["finding"].items():
        if inputs.findings.get(grade):
            compliance = _highest([compliance, spec["value"]])
    signals = {
        "unqualified_sample": inputs.unqualified_samples > 0,
        "overdue_capa": inputs.overdue_capas > 0,
        "critical_deviation": inputs.deviations.get("critical", 0) > 0,
        "major_deviation": inputs.deviations.get("major", 0) > 0,
        "key_personnel_change": inputs.key_personnel_changes >= comp["key_personnel_changes_that_count"]["value"],
    }
    raised = [name for name, on in signals.items() if on]
    for name in raised:
        compliance = _highest([compliance, comp["signal"][name]["value"]])
    overall = d["overall_matrix"][intrinsic][compliance]
    frequency = int(d["frequency_months"][overall]["value"])
    reasons.append(
        (
            f"Compliance risk {compliance} (last conclusion: {conclusion}; signals: {', '.join(raised) or 'none'}); "
            f"overall {overall}: inspect every {frequency} months.",
            f"合规风险{LEVEL_ZH[compliance]}，综合风险{LEVEL_ZH[overall]}：每 {frequency} 个月检查一次。",
        )
    )

    s = d["score"]
    parts: list[Contribution] = []

    def add(code: str, points: int, en: str, zh: str, source: str) -> None:
        if points:
            parts.append(Contribution(code, int(points), en, zh, source))

    add(
        "intrinsic",
        s["intrinsic"][intrinsic],
        f"Intrinsic risk {intrinsic}",
        f"固有风险{LEVEL_ZH[intrinsic]}",
        s["intrinsic"]["source"],
    )
    if conclusion == "none":
        add("conclusion", s["conclusion"]["none"], "No inspection on record", "无检查记录", s["conclusion"]["source"])
    else:
        add(
            "conclusion",
            s["conclusion"][conclusion],
            f"Last inspection: {conclusion.replace('_', ' ')}",
            f"上次检查结论：{CONCLUSION_ZH[conclusion]}",
            s["conclusion"]["source"],
        )
    finding_points = sum(s["finding"][g] * inputs.findings.get(g, 0) for g in ("critical", "major", "minor"))
    counts_en = ", ".join(f"{inputs.findings[g]} {g}" for g in ("critical", "major", "minor") if inputs.findings.get(g))
    counts_zh = "，".join(
        f"{GRADE_ZH[g]}缺陷 {inputs.findings[g]} 项" for g in ("critical", "major", "minor") if inputs.findings.get(g)
    )
    _capped(add, "findings", finding_points, s["finding"], f"Findings: {counts_en}", f"缺陷：{counts_zh}")
    _capped(
        add,
        "unqualified_samples",
        s["unqualified_sample"]["each"] * inputs.unqualified_samples,
        s["unqualified_sample"],
        f"{inputs.unqualified_samples} unqualified sample(s)",
        f"抽检不合格 {inputs.unqualified_samples} 批次",
    )
    _capped(
        add,
        "overdue_capas",
        s["overdue_capa"]["each"] * inputs.overdue_capas,
        s["overdue_capa"],
        f"{inputs.overdue_capas} overdue CAPA(s)",
        f"逾期纠正预防措施 {inputs.overdue_capas} 项",
    )
    dev_points = s["deviation"]["critical"] * inputs.deviations.get("critical", 0) + s["deviation"][
        "major"
    ] * inputs.deviations.get("major", 0)
    _capped(
        add,
        "deviations",
        dev_points,
        s["deviation"],
        f"Deviations: {inputs.deviations.get('critical', 0)} critical, {inputs.deviations.get('major', 0)} major",
        f"偏差：严重 {inputs.deviations.get('critical', 0)} 项，重大 {inputs.deviations.get('major', 0)} 项",
    )
    _capped(
        add,
        "key_personnel_changes",
        s["key_personnel_change"]["each"] * inputs.key_personnel_changes,
        s["key_personnel_change"],
        f"{inputs.key_personnel_changes} change(s) of stationed key personnel",
        f"派驻关键人员变更 {inputs.key_personnel_changes} 次",
    )
    if inputs.last_inspected_on:
        late = months_between(inputs.last_inspected_on, inputs.as_of) - frequency
        if late > 0:
            _capped(
                add,
                "overdue_inspection",
                s["overdue_inspection"]["each_month"] * late,
                s["overdue_inspection"],
                f"Inspection {late} month(s) past its frequency",
                f"超出检查频次 {late} 个月",
            )
    total = sum(p.points for p in parts)
    if total > 100:
        parts.append(Contribution("cap", 100 - total, "Capped at 100", "上限 100 分", OUR_CHOICE))
    score = sum(p.points for p in parts)
    return RiskResult(
        config_version=cfg.version,
        complexity=complexity,
        criticality=criticality,
        intrinsic=intrinsic,
        compliance=compliance,
        overall=overall,
        frequency_months=frequency,
        score=score,
        contributions=tuple(parts),
        reasons=tuple(reasons),
    )


def _capped(add, code: str, points: int, spec: dict, en: str, zh: str) -> None:
    """A contribution and, when it passes its cap, the cap as the next contribution (the list still adds up)."""
    if not points:
        return
    add(code, points, en, zh, spec["source"])
    if points > spec["cap"]:
        add(
            f"{code}_cap",
            spec["cap"] - points,
            f"{en}: capped at {spec['cap']}",
            f"{zh}：上限 {spec['cap']} 分",
            OUR_CHOICE,
        )
