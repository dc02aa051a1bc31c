"""China's provincial-level divisions (GB/T 2260) and the world's countries (ISO 3166-1 alpha-2)."""

from __future__ import annotations

import gettext
from dataclasses import dataclass
from functools import lru_cache

import pycountry


@dataclass(frozen=True)
class Province:
    code: str
    name_zh: str
    name_en: str


# GB/T 2260 provincial-level codes: 23 provinces (incl. Taiwan), 5 autonomous regions,
# 4 municipalities, 2 special administrative regions — 34 in all.
PROVINCES: tuple[Province, ...] = tuple(
    Province(code, zh, en)
    for code, zh, en in (
        ("110000", "北京市", "Beijing"),
        ("120000", "天津市", "Tianjin"),
        ("130000", "河北省", "Hebei"),
        ("140000", "山西省", "Shanxi"),
        ("150000", "内蒙古自治区", "Inner Mongolia"),
        ("210000", "辽宁省", "Liaoning"),
        ("220000", "吉林省", "Jilin"),
        ("230000", "黑龙江省", "Heilongjiang"),
        ("310000", "上海市", "Shanghai"),
        ("320000", "江苏省", "Jiangsu"),
        ("330000", "浙江省", "Zhejiang"),
        ("340000", "安徽省", "Anhui"),
        ("350000", "福建省", "Fujian"),
        ("360000", "江西省", "Jiangxi"),
        ("370000", "山东省", "Shandong"),
        ("410000", "河南省", "Henan"),
        ("420000", "湖北省", "Hubei"),
        ("430000", "湖南省", "Hunan"),
        ("440000", "广东省", "Guangdong"),
        ("450000", "广西壮族自治区", "Guangxi"),
        ("460000", "海南省", "Hainan"),
        ("500000", "重庆市", "Chongqing"),
        ("510000", "四川省", "Sichuan"),
        ("520000", "贵州省", "Guizhou"),
        ("530000", "云南省", "Yunnan"),
        ("540000", "西藏自治区", "Xizang (Tibet)"),
        ("610000", "陕西省", "Shaanxi"),
        ("620000", "甘肃省", "Gansu"),
        ("630000", "青海省", "Qinghai"),
        ("640000", "宁夏回族自治区", "Ningxia"),
        ("650000", "新疆维吾尔自治区", "Xinjiang"),
        ("710000", "台湾省", "Taiwan"),
        ("810000", "香港特别行政区", "Hong Kong SAR"),
        ("820000", "澳门特别行政区", "Macao SAR"),
    )
)
PROVINCE_BY_CODE = {p.code: p for p in PROVINCES}


def is_province_code(code: str) -> bool:
    return code in PROVINCE_BY_CODE


def is_country_code(code: str) -> bool:
    return isinstance(code, str) and len(code) == 2 and pycountry.countries.get(alpha_2=code.upper()) is not None


@lru_cache(maxsize=1)
def _zh() -> gettext.NullTranslations:
    return gettext.translation("iso3166-1", pycountry.LOCALES_DIR, languages=["zh_CN"], fallback=True)


def country_name(code: str, language: str = "en") -> str:
    country = pycountry.countries.get(alpha_2=code.upper())
    if country is None:
        return code
    name = getattr(country, "common_name", None) or country.name
    return _zh().gettext(country.name) if language.startswith("zh") else name


def province_name(code: str, language: str = "en") -> str:
    province = PROVINCE_BY_CODE.get(code)
    if province is None:
        return code
    return province.name_zh if language.startswith("zh") else province.name_en


# The zone a site's times are shown in, by country (countries with one zone in practice; others show UTC).
_ZONES = {
    "CN": "Asia/Shanghai",
    "HK": "Asia/Hong_Kong",
    "MO": "Asia/Macau",
    "TW": "Asia/Taipei",
    "JP": "Asia/Tokyo",
    "KR": "Asia/Seoul",
    "SG": "Asia/Singapore",
    "IN": "Asia/Kolkata",
    "CH": "Europe/Zurich",
    "DE": "Europe/Berlin",
    "FR": "Europe/Paris",
    "IT": "Europe/Rome",
    "ES": "Europe/Madrid",
    "NL": "Europe/Amsterdam",
    "BE": "Europe/Brussels",
    "AT": "Europe/Vienna",
    "DK": "Europe/Copenhagen",
    "SE": "Europe/Stockholm",
    "IE": "Europe/Dublin",
    "GB": "Europe/London",
}


def zone_for(country_code: str):
    """The ``ZoneInfo`` a site in ``country_code`` shows its times in (UTC when the country is not known to have
    a single zone, e.g. the United States)."""
    from zoneinfo import ZoneInfo

    return ZoneInfo(_ZONES.get((country_code or "").upper(), "UTC"))
