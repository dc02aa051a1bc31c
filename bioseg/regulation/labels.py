"""Readable names, in English and Chinese, for the facts of a case and the stages of a chain.

The rules name a missing fact by its path (``contract_manufacturers[0].qa_system_complete``); people read
"Shanghai Qilan Biologics Co., Ltd.: has a complete drug quality assurance system" /
"Shanghai Qilan Biologics Co., Ltd.：具有完善的药品质量保证体系". Every interface that shows a fact path (the
wizard, the pilot pages, the timeline, the reasons of the rules themselves) takes its label from here.
"""

from __future__ import annotations

import re
from typing import Any

from .case import Stage

STAGE_LABELS: dict[str, tuple[str, str]] = {
    Stage.CELL_BANK: ("cell bank", "细胞库"),
    Stage.UPSTREAM: ("upstream", "上游工艺"),
    Stage.DRUG_SUBSTANCE: ("drug substance", "原液"),
    Stage.INTERMEDIATE: ("intermediate", "中间产品"),
    Stage.ANTIBODY_INTERMEDIATE: ("antibody intermediate", "抗体中间体"),
    Stage.LINKER_PAYLOAD: ("linker-payload", "连接子-载荷"),
    Stage.CONJUGATION: ("conjugation", "偶联"),
    Stage.DRUG_PRODUCT: ("drug product (formulation)", "制剂"),
    Stage.FILL_FINISH: ("fill-finish", "灌装"),
    Stage.PACKAGING: ("packaging", "包装"),
    Stage.TESTING: ("testing", "检验"),
    Stage.OTHER: ("other", "其他"),
}

# Labels of the case's facts, by path without list indices.
FACT_LABELS: dict[str, tuple[str, str]] = {
    "name": ("Case name", "案例名称"),
    "as_of": ("Assessment date", "评估日期"),
    "application": ("Application", "申请"),
    "application.submitted_on": ("Day the application is (or will be) submitted", "提出（或拟提出）试点申请的日期"),
    "holder": ("Holder", "持有人"),
    "holder.name": ("Holder's name", "持有人名称"),
    "holder.domestic": ("The holder is a domestic (mainland) enterprise", "持有人为境内企业"),
    "holder.import_drug_holder": ("The holder holds an imported-drug registration", "持有人为进口药品持有人"),
    "holder.region": ("Where the holder is", "持有人所在地"),
    "holder.capabilities": ("The holder's capabilities for the product", "持有人对该品种的能力"),
    "holder.capabilities.independent_rd": (
        "The holder has independent R&D capability for the product",
        "持有人具备该品种的自主研发能力",
    ),
    "holder.capabilities.quality_management": (
        "The holder has quality-management capability for the product",
        "持有人具备该品种的质量管理能力",
    ),
    "holder.capabilities.risk_control": (
        "The holder has risk prevention and control capability for the product",
        "持有人具备该品种的风险防控能力",
    ),
    "holder.capabilities.liability_compensation": (
        "The holder has liability-compensation capability for the product",
        "持有人具备该品种的责任赔偿能力",
    ),
    "holder.segmentation_need": ("The holder has a genuine need for segmented production", "持有人确有分段生产需要"),
    "holder.vaccine_capacity_exceeded": (
        "The vaccine need exceeds the holder's own production capacity",
        "疫苗需求超出持有人自身生产能力",
    ),
    "product": ("Product", "产品"),
    "product.name": ("Product name", "产品名称"),
    "product.category": ("Product category", "产品类别"),
    "product.innovative": ("The product is an innovative biological product", "该产品为创新生物制品"),
    "product.urgent_clinical_need": ("The product is of urgent clinical need", "该产品为临床急需生物制品"),
    "product.nmpa_specified": ("NMPA has specified the product", "该产品为国家药监局规定的品种"),
    "product.origin": ("How the holder came to the product", "产品来源"),
    "product.special_process_or_facility_need": (
        "The product has special process or facility requirements",
        "生产工艺、设施设备有特殊要求",
    ),
    "product.public_health_emergency_need": ("Needed for a public-health emergency", "应对突发公共卫生事件急需"),
    "product.reserve_need": ("Needed for reserves", "储备需要"),
    "segments": ("Segments: which enterprise makes which stage, where", "生产阶段：由哪家企业在何地生产"),
    "segments.stage": ("Stage", "阶段"),
    "segments.enterprise": ("Enterprise", "生产企业"),
    "segments.region": ("Where", "生产地"),
    "segments.electronic_records": (
        "All production and test data are recorded electronically",
        "生产、检验数据均以信息化方式记录",
    ),
    "contract_manufacturers": ("Contract manufacturers", "受托生产企业"),
    "contract_manufacturers.name": ("Name", "名称"),
    "contract_manufacturers.commercial_biologics_production_since": (
        "Commercial production of biologics since",
        "生物制品商业化生产起始日",
    ),
    "contract_manufacturers.qa_system_complete": (
        "Has a complete drug quality assurance system",
        "具有完善的药品质量保证体系",
    ),
    "contract_manufacturers.unified_quality_system": (
        "Runs one unified quality system with the holder",
        "与持有人执行统一的质量管理体系",
    ),
    "contract_manufacturers.redelegates": ("Re-delegates the production", "再次委托生产"),
    "stationed_personnel": (
        "People of the holder stationed at the contract manufacturers",
        "持有人派驻受托生产企业的人员",
    ),
    "stationed_personnel.name": ("Name", "姓名"),
    "stationed_personnel.qualified": ("Qualified", "具备资质"),
    "stationed_personnel.stationed_at": ("Stationed at", "派驻单位"),
    "stationed_personnel.stationed_from": ("Stationed from", "派驻起始日"),
    "stationed_personnel.stationed_until": ("Stationed until", "派驻截止日"),
    "joint_regulatory_plan": ("Joint regulatory plan of the provinces involved", "相关省份的联合监管方案"),
    "joint_regulatory_plan.agreed_by": (
        "Provinces that have agreed the joint regulatory plan",
        "已同意联合监管方案的省份",
    ),
    "nmpa_consent": ("NMPA has consented to splitting this vaccine", "国家药监局已同意该疫苗分段委托生产"),
    "pilot_approval": ("NMPA pilot approval", "国家药监局试点批复"),
    "pilot_approval.approved": ("The product holds an NMPA pilot approval", "该产品已获国家药监局试点批复"),
    "pilot_approval.approved_on": ("Pilot approved on", "试点批复日期"),
    "pilot_approval.reference": ("Pilot approval reference", "试点批复文号"),
    "regulator_determinations": ("Regulators' determinations on rules", "监管部门对规则的认定"),
    "regulator_determinations.rule": ("Rule determined", "所认定的规则"),
    "regulator_determinations.authority": ("Determined by", "认定机关"),
    "regulator_determinations.outcome": ("Outcome of the determination", "认定结论"),
    "regulator_determinations.determined_on": ("Determined on", "认定日期"),
    "regulator_determinations.text": ("Determination", "认定内容"),
    "regulator_determinations.reference": ("Reference", "文号"),
}

# How an entry of a list is named when it has no name of its own: (English, Chinese) with {n} from 1.
_ENTRY_NAMES: dict[str, tuple[str, str]] = {
    "segments": ("segment {n}", "第{n}段"),
    "contract_manufacturers": ("contract manufacturer {n}", "第{n}家受托生产企业"),
    "stationed_personnel": ("stationed person {n}", "第{n}名派驻人员"),
}

_TOKEN = re.compile(r'\.?([A-Za-z_][A-Za-z0-9_]*)|\[(\d+)\]|\[name="((?:[^"\\]|\\.)*)"\]')


def parse_path(path: str) -> list[str | int | tuple[str, str]]:
    """``segments[0].region`` → ``["segments", 0, "region"]``; ``contract_manufacturers[name="X"].y`` →
    ``["contract_manufacturers", ("name", "X"), "y"]``."""
    out: list[str | int | tuple[str, str]] = []
    pos = 0
    while pos < len(path):
        match = _TOKEN.match(path, pos)
        if match is None:
            raise ValueError(f"not a fact path: {path!r}")
        name, index, selector = match.groups()
        if name is not None:
            out.append(name)
        elif index is not None:
            out.append(int(index))
        else:
            out.append(("name", selector.replace('\\"', '"')))
        pos = match.end()
    return out


def generic_path(path: str) -> str:
    """The path without list indices: ``segments[0].region`` → ``segments.region``."""
    return ".".join(p for p in parse_path(path) if isinstance(p, str))


def stage_label(stage: Any) -> tuple[str, str]:
    value = getattr(stage, "value", stage)
    return STAGE_LABELS.get(value, (str(value), str(value))) if value else ("", "")


def segment_label(index: int, stage: Any = None) -> tuple[str, str]:
    """How a segment is named: ("segment 2 (drug substance)", "第2段（原液）")."""
    en, zh = f"segment {index + 1}", f"第{index + 1}段"
    if stage:
        stage_en, stage_zh = stage_label(stage)
        stage_en = stage_en.split(" (")[0]  # "drug product (formulation)" → "drug product": no nested brackets
        en, zh = f"{en} ({stage_en})", f"{zh}（{stage_zh}）"
    return en, zh


def _get(obj: Any, key: str) -> Any:
    return obj.get(key) if isinstance(obj, dict) else getattr(obj, key, None)


def entry_label(top: str, index: int | tuple[str, str], case: Any = None) -> tuple[str, str]:
    """How one entry of the list ``top`` is named: its name when the case gives one, else its position."""
    if isinstance(index, tuple):  # [name="X"]
        return index[1], index[1]
    items = _get(case, top) if case is not None else None
    entry = items[index] if isinstance(items, list | tuple) and 0 <= index < len(items) else None
    if top == "segments":
        return segment_label(index, _get(entry, "stage") if entry is not None else None)
    name = _get(entry, "name") if entry is not None else None
    if name:
        return str(name), str(name)
    en, zh = _ENTRY_NAMES.get(top, ("{n}", "{n}"))
    return en.format(n=index + 1), zh.format(n=index + 1)


def fact_label(path: str, case: Any = None) -> tuple[str, str]:
    """(English, Chinese) label of a fact path; entries of lists are named from ``case`` (a dict or a
    :class:`~bioseg.regulation.case.Case`) when given. An unknown path is shown as it is."""
    try:
        parts = parse_path(path)
    except ValueError:
        return path, path
    key = ".".join(p for p in parts if isinstance(p, str))
    en, zh = FACT_LABELS.get(key, (path, path))
    if key not in FACT_LABELS:
        return en, zh
    if len(parts) >= 2 and isinstance(parts[0], str) and not isinstance(parts[1], str):
        subject_en, subject_zh = entry_label(parts[0], parts[1], case)
        if len(parts) == 2:  # the entry itself
            return subject_en, subject_zh
        return f"{subject_en}: {en}", f"{subject_zh}：{zh}"
    return en, zh


def fact_labels(paths, case: Any = None, lang: str = "en") -> list[str]:
    """The labels of several fact paths in one language ("en" or "zh")."""
    i = 1 if lang == "zh" else 0
    return [fact_label(p, case)[i] for p in paths]
