"""The case format: what a holder (or a reviewer) knows about a product, its chain and its application.

Every field is optional: an omitted field (or ``null``) is an *unknown* fact, which makes the rules that
need it ``undetermined`` and names the field — it is never read as ``false``. Unknown fields, unknown
category values and malformed dates are refused with an error naming the field.

Regions are GB/T 2260 codes (six digits; a prefecture or county code is read as its province) or ISO 3166-1
alpha-2 country codes. ``CN`` means "in mainland China, province not given". Hong Kong, Macao and Taiwan
(``HK``/``MO``/``TW`` or 810000/820000/710000) lie outside the mainland's drug-regulatory territory and count
as *abroad* (境外), as they do for drug registration.
"""

from __future__ import annotations

import enum
import re
from collections.abc import Mapping
from datetime import date, datetime
from typing import Annotated, Any

import pycountry
from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, StrictBool, StrictStr

from ..rulebook import InputError

# --------------------------------------------------------------------------------------------- values


class Category(enum.StrEnum):
    ANTIBODY = "antibody"
    ADC = "adc"
    GLP1 = "glp1"
    INSULIN = "insulin"
    VACCINE_COMBINATION = "vaccine_combination"
    VACCINE_MULTIVALENT = "vaccine_multivalent"
    VACCINE = "vaccine"
    BLOOD_PRODUCT = "blood_product"
    CELL_GENE_THERAPY = "cell_gene_therapy"
    OTHER_BIOLOGIC = "other_biologic"
    CHEMICAL_DRUG = "chemical_drug"


VACCINES = frozenset({Category.VACCINE, Category.VACCINE_COMBINATION, Category.VACCINE_MULTIVALENT})

CATEGORY_LABELS: dict[Category, tuple[str, str]] = {
    Category.ANTIBODY: ("antibody product", "抗体类生物制品"),
    Category.ADC: ("antibody-drug conjugate", "抗体偶联类生物制品"),
    Category.GLP1: ("GLP-1 product", "胰高血糖素样肽-1类生物制品"),
    Category.INSULIN: ("insulin product", "胰岛素类生物制品"),
    Category.VACCINE_COMBINATION: ("combination vaccine", "联合疫苗（多联疫苗）"),
    Category.VACCINE_MULTIVALENT: ("multivalent vaccine", "多价疫苗"),
    Category.VACCINE: ("vaccine (neither combination nor multivalent)", "疫苗（非多联多价）"),
    Category.BLOOD_PRODUCT: ("blood product", "血液制品"),
    Category.CELL_GENE_THERAPY: ("cell or gene therapy product", "细胞和基因治疗产品"),
    Category.OTHER_BIOLOGIC: ("other biological product", "其他生物制品"),
    Category.CHEMICAL_DRUG: ("chemical drug", "化学药品"),
}


class Origin(enum.StrEnum):
    ORIGINALLY_DEVELOPED = "originally_developed"
    LICENSED_IN = "licensed_in"
    CO_DEVELOPED = "co_developed"
    ACQUIRED = "acquired"
    GROUP_TRANSFERRED = "group_transferred"


ORIGIN_LABELS: dict[Origin, tuple[str, str]] = {
    Origin.ORIGINALLY_DEVELOPED: ("originally developed", "自主研发"),
    Origin.LICENSED_IN: ("licensed in", "许可引进"),
    Origin.CO_DEVELOPED: ("co-developed", "合作开发"),
    Origin.ACQUIRED: ("acquired", "收购取得"),
    Origin.GROUP_TRANSFERRED: ("transferred within the group", "集团内转让"),
}


class Stage(enum.StrEnum):
    CELL_BANK = "cell_bank"
    UPSTREAM = "upstream"
    DRUG_SUBSTANCE = "drug_substance"
    INTERMEDIATE = "intermediate"
    ANTIBODY_INTERMEDIATE = "antibody_intermediate"
    LINKER_PAYLOAD = "linker_payload"
    CONJUGATION = "conjugation"
    DRUG_PRODUCT = "drug_product"
    FILL_FINISH = "fill_finish"
    PACKAGING = "packaging"
    TESTING = "testing"
    OTHER = "other"


# --------------------------------------------------------------------------------------------- field types

_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_GB2260 = re.compile(r"^\d{6}$")
_PROVINCE_PREFIXES = frozenset(
    "11 12 13 14 15 21 22 23 31 32 33 34 35 36 37 41 42 43 44 45 46 50 51 52 53 54 61 62 63 64 65 71 81 82".split()
)
OUTSIDE_MAINLAND_PROVINCES = frozenset({"710000", "810000", "820000"})
OUTSIDE_MAINLAND_COUNTRIES = frozenset({"HK", "MO", "TW"})


def _to_date(value: Any) -> Any:
    if value is None:
        return None
    if isinstance(value, datetime):
        raise ValueError("expected a date (YYYY-MM-DD), not a date and time")
    if isinstance(value, date):
        return value
    if isinstance(value, str) and _ISO_DATE.match(value.strip()):
        try:
            return date.fromisoformat(value.strip())
        except ValueError as exc:
            raise ValueError(f"{value!r} is not a calendar date ({exc})") from None
    raise ValueError(f"expected a date written YYYY-MM-DD, got {value!r}")


def _to_region(value: Any) -> Any:
    if value is None:
        return None
    if isinstance(value, int) and not isinstance(value, bool):
        value = f"{value:06d}"
    if not isinstance(value, str):
        raise ValueError(f"expected a GB/T 2260 code or an ISO 3166-1 alpha-2 country code, got {value!r}")
    text = value.strip()
    if _GB2260.match(text):
        if text[:2] not in _PROVINCE_PREFIXES:
            raise ValueError(f"{text!r} is not a GB/T 2260 code: no province starts with {text[:2]}")
        return text
    if len(text) == 2 and text.isalpha():
        code = text.upper()
        if pycountry.countries.get(alpha_2=code) is None:
            raise ValueError(f"{text!r} is not an ISO 3166-1 alpha-2 country code")
        return code
    raise ValueError(f"expected a GB/T 2260 code (e.g. 320000) or an ISO 3166-1 alpha-2 code (e.g. DE), got {value!r}")


IsoDate = Annotated[date, BeforeValidator(_to_date)]
Region = Annotated[
    str,
    BeforeValidator(_to_region),
    Field(
        pattern=r"^(\d{6}|[A-Z]{2})$",
        description="GB/T 2260 code (six digits) or ISO 3166-1 alpha-2 country code / GB/T 2260 行政区划代码或 ISO 3166-1 二字母国家代码",
    ),
]
Name = Annotated[StrictStr, Field(min_length=1, max_length=300)]
Flag = StrictBool | None


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, use_enum_values=False)


# --------------------------------------------------------------------------------------------- the case


class Application(_Model):
    """The pilot application (申请)."""

    submitted_on: IsoDate | None = Field(
        None,
        description="Day the application was (or will be) submitted to the provincial regulator / 提出试点申请的日期",
    )


class Capabilities(_Model):
    """The holder's capabilities for the pilot product (the plan's §二(二))."""

    independent_rd: Flag = Field(None, description="independent R&D capability / 自主研发能力")
    quality_management: Flag = Field(None, description="quality management capability / 质量管理能力")
    risk_control: Flag = Field(None, description="risk prevention and control capability / 风险防控能力")
    liability_compensation: Flag = Field(None, description="liability compensation capability / 责任赔偿能力")


class Holder(_Model):
    """The marketing-authorisation holder, the entrusting party (持有人 / 委托方)."""

    name: Name | None = None
    domestic: Flag = Field(None, description="a domestic (mainland) enterprise / 境内企业")
    import_drug_holder: Flag = Field(None, description="holds an imported-drug registration / 进口药品持有人")
    region: Region | None = None
    capabilities: Capabilities | None = None
    segmentation_need: Flag = Field(
        None, description="reg2026 Art. 32: the holder has a genuine need for segmented production / 确有需要"
    )
    vaccine_capacity_exceeded: Flag = Field(
        None, description="reg2026 Art. 33: the need exceeds the vaccine holder's own capacity / 超出生产能力"
    )


class Product(_Model):
    """The product (品种)."""

    name: Name | None = None
    category: Category | None = None
    innovative: Flag = Field(None, description="innovative biological product / 创新生物制品")
    urgent_clinical_need: Flag = Field(None, description="of urgent clinical need / 临床急需")
    nmpa_specified: Flag = Field(None, description="specified by NMPA / 国家药监局规定的其他生物制品")
    origin: Origin | None = None
    special_process_or_facility_need: Flag = Field(
        None, description="reg2026 Art. 32(1): special process or facility requirements / 生产工艺、设施设备有特殊要求"
    )
    public_health_emergency_need: Flag = Field(
        None, description="reg2026 Art. 32(2): needed for a public-health emergency / 应对突发公共卫生事件急需"
    )
    reserve_need: Flag = Field(None, description="reg2026 Art. 32(2)/33(2): needed for reserves / 储备需要")


class Segment(_Model):
    """One segment of the chain: a stage made by one enterprise at one place (生产阶段)."""

    stage: Stage | None = None
    enterprise: Name | None = None
    region: Region | None = None
    electronic_records: Flag = Field(
        None, description="reg2026 Art. 34: all production and testing data recorded electronically / 信息化记录"
    )


class ContractManufacturer(_Model):
    """An entrusted (contract) manufacturer (受托生产企业)."""

    name: Name | None = None
    commercial_biologics_production_since: IsoDate | None = Field(
        None, description="start of commercial biologics production / 生物制品商业化生产起始日"
    )
    qa_system_complete: Flag = Field(None, description="complete drug QA system / 完善的药品质量保证体系")
    unified_quality_system: Flag = Field(
        None, description="runs one unified quality system with the holder / 与持有人执行统一的质量管理体系"
    )
    redelegates: Flag = Field(None, description="reg2026 Art. 31: re-delegates production / 再次委托生产")


class StationedPerson(_Model):
    """A person of the holder stationed at a contract manufacturer (派驻人员)."""

    name: Name | None = None
    qualified: Flag = None
    stationed_at: Name | None = Field(None, description="name of the contract manufacturer / 派驻的受托生产企业名称")
    stationed_from: IsoDate | None = None
    stationed_until: IsoDate | None = None


class JointRegulatoryPlan(_Model):
    """The regulatory plan formulated jointly by the provinces of a cross-province chain (联合监管方案)."""

    agreed_by: list[Region] | None = Field(
        None, description="GB/T 2260 codes of the provinces that agreed / 已同意的省份"
    )


class PilotApproval(_Model):
    """An NMPA pilot approval already granted (批复同意)."""

    approved: Flag = None
    approved_on: IsoDate | None = None
    reference: Name | None = None


class SettledOutcome(enum.StrEnum):
    """How a regulator's determination settles a rule that awaited it."""

    PASS = "pass"
    FAIL = "fail"
    NOT_APPLICABLE = "not_applicable"


class RegulatorDeterminationFact(_Model):
    """A regulator's recorded determination on one rule that awaits it (认定). Recorded by bioseg's workflow when
    the regulator signs it; a rule reads it only while it still awaits that regulator."""

    rule: StrictStr = Field(min_length=1, max_length=120, description="the rule's id / 规则编号")
    authority: StrictStr = Field(
        pattern=r"^(NMPA|PROV-\d{6})$", description="NMPA or PROV-<GB/T 2260 code> / 作出认定的监管部门"
    )
    outcome: SettledOutcome = Field(description="pass, fail or not_applicable / 认定结论")
    determined_on: IsoDate = Field(description="the day of the determination / 认定日期")
    text: StrictStr = Field(min_length=1, max_length=4000, description="the regulator's words / 认定内容")
    reference: Name | None = Field(None, description="the regulator's reference / 文号或编号")


class Case(_Model):
    """A case: everything the rules may read. Omit what you do not know."""

    model_config = ConfigDict(
        extra="forbid",
        frozen=True,
        title="bioseg case",
        json_schema_extra={
            "$id": "https://bioseg.invalid/api/v1/schemas/case",
            "description": "A segmented-production case assessed by bioseg's rules (pilot2024, reg2026). Every "
            "field may be omitted; an omitted field is an unknown fact, never false. / bioseg 评估用案例；"
            "所有字段均可省略，省略即为未知事实，绝不视为否。",
        },
    )

    name: Name | None = Field(None, description="a label for the case / 案例名称")
    as_of: IsoDate | None = Field(None, description="assessment date / 评估日期")
    application: Application | None = None
    holder: Holder | None = None
    product: Product | None = None
    segments: list[Segment] | None = None
    contract_manufacturers: list[ContractManufacturer] | None = None
    stationed_personnel: list[StationedPerson] | None = None
    joint_regulatory_plan: JointRegulatoryPlan | None = None
    nmpa_consent: Flag = Field(
        None, description="NMPA consent/approval recorded for a vaccine split / 国家药监局同意（批准）疫苗分段委托生产"
    )
    pilot_approval: PilotApproval | None = None
    regulator_determinations: list[RegulatorDeterminationFact] | None = Field(
        None,
        description="regulators' recorded determinations on rules that await them, at most one per rule / "
        "监管部门对待认定规则作出的认定（每条规则至多一项）",
    )


# --------------------------------------------------------------------------------------------- errors


class CaseError(InputError):
    """A case that cannot be read: the message names the field."""


def _loc(loc: tuple[Any, ...]) -> str:
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += ("." if out else "") + str(part)
    return out or "(case)"


def parse_case(data: Any) -> Case:
    """Validate a mapping (parsed YAML or JSON) into a :class:`Case`, or raise :class:`CaseError`."""
    from pydantic import ValidationError

    if isinstance(data, Case):
        return data
    if not isinstance(data, dict):
        raise CaseError(
            "case_not_a_mapping",
            f"a case must be a mapping of fields, got {type(data).__name__}",
            f"案例必须是字段映射，而不是 {type(data).__name__}",
            field="(case)",
        )
    try:
        return Case.model_validate(data)
    except ValidationError as exc:
        errors = []
        for err in exc.errors(include_url=False):
            loc = tuple(p for p in err["loc"] if not (isinstance(p, str) and p.startswith("function-")))
            # drop pydantic's union-branch labels (e.g. 'bool', 'str') from locations
            loc = tuple(p for p in loc if p not in {"bool", "str", "date", "int", "list[...]"})
            field = _loc(loc)
            if err["type"] == "extra_forbidden":
                message = "unknown field"
            else:
                message = err["msg"].removeprefix("Value error, ")
            errors.append(
                {
                    "field": field,
                    "message": message,
                    "message_zh": _zh_message(err, message),
                    "input": _short(err.get("input")),
                }
            )
        first = errors[0]
        more = f" (and {len(errors) - 1} more)" if len(errors) > 1 else ""
        more_zh = f"（另有 {len(errors) - 1} 处错误）" if len(errors) > 1 else ""
        raise CaseError(
            "invalid_case",
            f"{first['field']}: {first['message']}{more}",
            f"字段 {first['field']} 有误：{first['message_zh']}{more_zh}",
            field=first["field"],
            details={"errors": errors},
        ) from None


_ZH_BY_TYPE = {
    "extra_forbidden": "未知字段",
    "bool_type": "应为布尔值 true 或 false",
    "string_type": "应为文本",
    "list_type": "应为列表",
    "model_type": "应为字段映射",
    "dict_type": "应为字段映射",
    "string_too_short": "不能为空",
    "string_too_long": "文本过长",
}


def _zh_message(err: Mapping[str, Any], message: str) -> str:
    kind = err["type"]
    if kind in _ZH_BY_TYPE:
        return _ZH_BY_TYPE[kind]
    if kind == "enum":
        return f"取值无效，可选值：{err.get('ctx', {}).get('expected', '')}"
    return message  # our own validators' messages name the expected format precisely


def _short(value: Any) -> Any:
    if isinstance(value, str | int | float | bool) or value is None:
        return value if not isinstance(value, str) or len(value) < 200 else value[:200] + "…"
    if isinstance(value, date):
        return value.isoformat()
    return type(value).__name__
