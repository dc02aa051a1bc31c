"""Chinese labels of the format's codes (job types, qualifications, rule groups), for bilingual messages.

A code without a label (a type or qualification this list does not know) is shown as it is."""

from __future__ import annotations

TYPE_ZH = {
    "annual_comprehensive": "年度全面检查",
    "gmp_compliance": "生产质量管理规范符合性检查",
    "sampling": "抽检",
    "follow_up": "跟踪检查",
    "for_cause": "有因检查",
    "unannounced": "飞行检查",
    "entrusted": "委托检查",
}
QUALIFICATION_ZH = {
    "biologics": "生物制品",
    "aseptic": "无菌",
    "vaccine": "疫苗",
    "adc": "抗体偶联药物",
    "data_integrity": "数据可靠性",
    "lead": "组长",
    "official": "执法证",
}


GROUP_ZH = {
    "leader": "组长",
    "requires": "资质",
    "team_min": "最少人数",
    "min_each": "每省人数",
    "window": "窗口",
}


def type_zh(kind: str) -> str:
    return TYPE_ZH.get(kind, kind)


def qualification_zh(q: str | None) -> str:
    return QUALIFICATION_ZH.get(q or "", q or "")
