"""Facts derived from a case that several rules share: places, contract manufacturers, authorities.

Derivations never fill a gap: where a fact is unknown they say so, and the rule reports it as missing.
"""

from __future__ import annotations

from dataclasses import dataclass

from ..rulebook import Authority
from .case import OUTSIDE_MAINLAND_COUNTRIES, OUTSIDE_MAINLAND_PROVINCES, Case, ContractManufacturer

PROVINCE_NAMES: dict[str, tuple[str, str]] = {
    "110000": ("北京市", "Beijing"),
    "120000": ("天津市", "Tianjin"),
    "130000": ("河北省", "Hebei"),
    "140000": ("山西省", "Shanxi"),
    "150000": ("内蒙古自治区", "Inner Mongolia"),
    "210000": ("辽宁省", "Liaoning"),
    "220000": ("吉林省", "Jilin"),
    "230000": ("黑龙江省", "Heilongjiang"),
    "310000": ("上海市", "Shanghai"),
    "320000": ("江苏省", "Jiangsu"),
    "330000": ("浙江省", "Zhejiang"),
    "340000": ("安徽省", "Anhui"),
    "350000": ("福建省", "Fujian"),
    "360000": ("江西省", "Jiangxi"),
    "370000": ("山东省", "Shandong"),
    "410000": ("河南省", "Henan"),
    "420000": ("湖北省", "Hubei"),
    "430000": ("湖南省", "Hunan"),
    "440000": ("广东省", "Guangdong"),
    "450000": ("广西壮族自治区", "Guangxi"),
    "460000": ("海南省", "Hainan"),
    "500000": ("重庆市", "Chongqing"),
    "510000": ("四川省", "Sichuan"),
    "520000": ("贵州省", "Guizhou"),
    "530000": ("云南省", "Yunnan"),
    "540000": ("西藏自治区", "Xizang"),
    "610000": ("陕西省", "Shaanxi"),
    "620000": ("甘肃省", "Gansu"),
    "630000": ("青海省", "Qinghai"),
    "640000": ("宁夏回族自治区", "Ningxia"),
    "650000": ("新疆维吾尔自治区", "Xinjiang"),
    "710000": ("台湾省", "Taiwan"),
    "810000": ("香港特别行政区", "Hong Kong SAR"),
    "820000": ("澳门特别行政区", "Macao SAR"),
}

NMPA = Authority("NMPA", "National Medical Products Administration (NMPA)", "国家药品监督管理局")


def province_name(code: str, lang: str = "en") -> str:
    zh, en = PROVINCE_NAMES.get(code, (code, code))
    return zh if lang == "zh" else en


def provincial_authority(code: str) -> Authority:
    zh, en = PROVINCE_NAMES.get(code, (code, code))
    return Authority(f"PROV-{code}", f"{en} Medical Products Administration", f"{zh}药品监督管理局", region=code)


# ---------------------------------------------------------------------------------------------- places


@dataclass(frozen=True, slots=True)
class Place:
    """Where something is: a mainland province, the mainland without a province, or abroad."""

    kind: str  # "province" | "mainland_unknown" | "abroad"
    province: str | None = None
    country: str | None = None


def place_of(region: str | None) -> Place | None:
    """None when the region is unknown."""
    if region is None:
        return None
    if region.isdigit():
        province = region[:2] + "0000"
        if province in OUTSIDE_MAINLAND_PROVINCES:
            return Place("abroad", country={"710000": "TW", "810000": "HK", "820000": "MO"}[province])
        return Place("province", province=province)
    if region == "CN":
        return Place("mainland_unknown")
    if region in OUTSIDE_MAINLAND_COUNTRIES:
        return Place("abroad", country=region)
    return Place("abroad", country=region)


def norm_name(name: str | None) -> str | None:
    return " ".join(name.split()).casefold() if name is not None else None


# ---------------------------------------------------------------------------------------------- contract manufacturers


@dataclass(frozen=True, slots=True)
class CmoView:
    """One contract manufacturer as the rules see it: its declared entry (if any) and how to name it."""

    label: str  # how reasons name it
    path: str  # where its facts live, e.g. contract_manufacturers[0]
    entry: ContractManufacturer | None  # None: appears in segments but was not described


@dataclass(frozen=True, slots=True)
class CmoSet:
    items: tuple[CmoView, ...]
    missing: tuple[str, ...]  # facts needed before the set is known


_LAST: tuple[object, CmoSet | None] = (None, None)


def contract_manufacturers(case: Case) -> CmoSet:
    """Every contract manufacturer of the chain: those described, plus non-holder enterprises of segments.

    Several rules ask for the same case in a row, so the last answer is remembered (cases are immutable;
    the tuple is swapped atomically, so concurrent threads at worst recompute).
    """
    global _LAST
    last_case, last_set = _LAST
    if last_case is case and last_set is not None:
        return last_set
    result = _contract_manufacturers(case)
    _LAST = (case, result)
    return result


def _contract_manufacturers(case: Case) -> CmoSet:
    views: list[CmoView] = []
    seen: set[str] = set()
    declared = case.contract_manufacturers
    if declared is not None:
        for i, entry in enumerate(declared):
            label = entry.name if entry.name is not None else f"contract_manufacturers[{i}]"
            views.append(CmoView(label, f"contract_manufacturers[{i}]", entry))
            if entry.name is not None:
                seen.add(norm_name(entry.name) or "")
    missing: list[str] = []
    holder_name = norm_name(case.holder.name) if case.holder is not None else None
    if case.segments:
        for segment in case.segments:
            if segment.enterprise is None:
                continue
            key = norm_name(segment.enterprise) or ""
            if holder_name is not None and key != holder_name and key not in seen:
                seen.add(key)
                views.append(CmoView(segment.enterprise, f'contract_manufacturers[name="{segment.enterprise}"]', None))
    if declared is None and not views:
        missing.append("contract_manufacturers")
    undeclared = any(v.entry is None for v in views)
    if undeclared and declared:
        # A described entry without a name may be the enterprise a segment names: ask for the name.
        missing += [f"contract_manufacturers[{i}].name" for i, e in enumerate(declared) if e.name is None]
    return CmoSet(tuple(views), tuple(missing))


def cmo_set_reason(cmos: CmoSet) -> tuple[str, str]:
    return (
        "The contract manufacturers are not known yet.",
        "尚不清楚有哪些受托生产企业。",
    )
