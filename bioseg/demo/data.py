"""The demo scenario as data: fictional enterprises, sites, licences, products, people, users and quality
agreements. Every name, code and number here is invented (any match with a real one is a coincidence),
but each has the shape the real one has:

- unified social credit codes (统一社会信用代码, GB 32100-2015): ``91`` (enterprise, company) + the 6-digit
  administrative-division code of the registering district + the 9-character organisation code
  (GB 11714-1997, whose last character is its own check character) + the GB 32100 check character;
- approval numbers 国药准字S + 8 digits; manufacturing licences ``<province abbreviation><year><4 digits>``
  (class B: a holder entrusting manufacture, C: a contract manufacturer, A: a holder making it itself).

``bioseg.demo.scenario.load`` turns this into records through the same services a user calls.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from bioseg.accounts.roles import Role
from bioseg.registry.validators import CREDIT_CODE_CHARS, credit_code_check_char

DEMO_PASSWORD = "bioseg-demo-2026"

# --- identifiers -----------------------------------------------------------------------------------

_ORG_CODE_WEIGHTS = (3, 7, 9, 10, 5, 8, 4, 2)


def organisation_code_check_char(body8: str) -> str:
    """The 9th character of an organisation code (GB 11714-1997): modulus 11 over the first 8, X for 10."""
    total = sum((int(c) if c.isdigit() else ord(c) - 55) * w for c, w in zip(body8, _ORG_CODE_WEIGHTS, strict=True))
    check = 11 - total % 11
    return {10: "X", 11: "0"}.get(check, str(check))


def credit_code(district: str, body8: str) -> str:
    """A company's (``91``) unified social credit code registered in ``district`` (GB/T 2260, 6 digits)."""
    assert len(district) == 6 and district.isdigit(), district
    assert len(body8) == 8 and all(c in CREDIT_CODE_CHARS for c in body8), body8
    first17 = "91" + district + body8 + organisation_code_check_char(body8)
    return first17 + credit_code_check_char(first17)


def d(iso: str) -> dt.date:
    return dt.date.fromisoformat(iso)


# --- specifications --------------------------------------------------------------------------------


@dataclass(frozen=True)
class UserSpec:
    username: str
    role: str
    printed_name: str
    email: str = ""


@dataclass(frozen=True)
class GmpSpec:
    reference: str
    inspected_on: dt.date
    scope: str
    outcome: str = "compliant"


@dataclass(frozen=True)
class SiteSpec:
    name_zh: str
    name_en: str
    address: str
    activities: tuple[str, ...]
    region_code: str = ""  # province (GB/T 2260); empty abroad
    country_code: str = "CN"
    gmp: tuple[GmpSpec, ...] = ()


@dataclass(frozen=True)
class LicenceSpec:
    number: str
    licence_class: str
    scope: str
    valid_from: dt.date
    valid_until: dt.date


@dataclass(frozen=True)
class QualificationSpec:
    kind: str
    number: str
    valid_from: dt.date
    valid_until: dt.date | None


@dataclass(frozen=True)
class PersonSpec:
    name: str
    name_en: str
    roles: tuple[str, ...]
    email: str = ""
    qualifications: tuple[QualificationSpec, ...] = ()


@dataclass(frozen=True)
class ProductSpec:
    key: str
    name_zh: str
    name_en: str
    category: str
    approval_number: str | None
    innovative: bool = False
    urgent_clinical_need: bool = False
    nmpa_specified: bool = False
    origin: str = ""
    storage: tuple[float, float] | None = (2, 8)


@dataclass(frozen=True)
class EnterpriseSpec:
    key: str
    name_zh: str
    name_en: str
    credit_code: str | None
    roles: tuple[str, ...]
    users: tuple[UserSpec, ...]
    writer: str  # the user name that registers the enterprise's own sites, licences and products
    region_code: str = ""  # province of registration
    country_code: str = "CN"
    quality_writer: str = ""  # registers people and qualifications (defaults to ``writer``)
    sites: tuple[SiteSpec, ...] = ()
    licences: tuple[LicenceSpec, ...] = ()
    persons: tuple[PersonSpec, ...] = ()
    products: tuple[ProductSpec, ...] = ()

    @property
    def domestic(self) -> bool:
        return self.country_code == "CN"


@dataclass(frozen=True)
class AgreementSpec:
    reference: str
    holder: str  # EnterpriseSpec.key
    contract_manufacturer: str
    products: tuple[str, ...]  # ProductSpec.key
    effective_from: dt.date
    effective_until: dt.date | None
    signed_by: str  # user name of the holder's QA or regulatory affairs


@dataclass(frozen=True)
class RegulatorSpec:
    region_code: str
    prefix: str  # user names: <prefix>-reviewer, <prefix>-inspector
    name_zh: str
    name_en: str
    reviewer: str  # printed names
    inspector: str


@dataclass(frozen=True)
class Scenario:
    operator: tuple[str, str]
    admin: UserSpec
    nmpa: tuple[str, str]
    nmpa_officer: UserSpec
    regulators: tuple[RegulatorSpec, ...]
    enterprises: tuple[EnterpriseSpec, ...]
    agreements: tuple[AgreementSpec, ...] = field(default=())


# --- qualifications used throughout ----------------------------------------------------------------

QP = "质量受权人任命及备案（已向省级药品监督管理部门备案）"
PHARMACIST = "执业药师注册证 Licensed pharmacist registration"
GMP_TRAINING = "药品GMP质量管理培训合格证"
ASEPTIC = "无菌工艺与灌装培训合格证"

DS, DP, FF, PK, TS, ST = "drug_substance", "drug_product", "fill_finish", "packaging", "testing", "storage"

# --- the scenario ----------------------------------------------------------------------------------

SUZHOU = EnterpriseSpec(
    key="suzhou",
    name_zh="苏州星湖生物医药有限公司",
    name_en="Suzhou Xinghu Biopharmaceutical Co., Ltd.",
    credit_code=credit_code("320594", "MA1MJ8WQ"),
    region_code="320000",
    roles=("holder",),
    users=(
        UserSpec("suzhou-ra", Role.HOLDER_RA, "周明杰 Zhou Mingjie", "zhou.mingjie@xinghu-bio.example"),
        UserSpec("suzhou-qa", Role.HOLDER_QA, "林晓梅 Lin Xiaomei", "lin.xiaomei@xinghu-bio.example"),
        UserSpec("suzhou-qp", Role.QUALIFIED_PERSON, "陈思远 Chen Siyuan", "chen.siyuan@xinghu-bio.example"),
    ),
    writer="suzhou-ra",
    quality_writer="suzhou-qa",
    sites=(
        SiteSpec(
            name_zh="星湖苏州原液生产基地",
            name_en="Xinghu Suzhou Drug Substance Plant",
            address="江苏省苏州市苏州工业园区星湖街328号生物医药产业园C3栋",
            region_code="320000",
            activities=(DS, TS, ST),
            gmp=(
                GmpSpec(
                    "苏GMP-2024-031",
                    d("2024-05-22"),
                    "星利单抗原液生产线（2×2000 L 一次性生物反应器）药品GMP符合性检查",
                ),
            ),
        ),
        SiteSpec(
            name_zh="星湖苏州细胞治疗中心",
            name_en="Xinghu Suzhou Cell Therapy Centre",
            address="江苏省苏州市苏州工业园区方洲路128号3号楼",
            region_code="320000",
            activities=(DS, DP, TS, ST),
        ),
    ),
    licences=(
        LicenceSpec(
            "苏20160001",
            "B",
            "治疗用生物制品（单克隆抗体）原液；委托生产：星利单抗注射液制剂（受托方：上海启澜生物制药有限公司）",
            d("2025-12-01"),
            d("2030-11-30"),
        ),
    ),
    persons=(
        PersonSpec(
            "陈思远",
            "Chen Siyuan",
            ("qualified_person", "quality_head"),
            "chen.siyuan@xinghu-bio.example",
            (
                QualificationSpec(QP, "JS-QP-2022-0147", d("2022-03-01"), d("2027-02-28")),
                QualificationSpec(PHARMACIST, "ZY320580021173", d("2023-06-15"), d("2028-06-14")),
            ),
        ),
        PersonSpec(
            "林晓梅",
            "Lin Xiaomei",
            ("qa",),
            "lin.xiaomei@xinghu-bio.example",
            (QualificationSpec(GMP_TRAINING, "GMP-T-2024-03318", d("2024-04-10"), d("2027-04-09")),),
        ),
        # The two people the holder will station at the Shanghai CDMO (派驻, ≥2 required by the pilot plan).
        PersonSpec(
            "王海涛",
            "Wang Haitao",
            ("qa", "qualified_person"),
            "wang.haitao@xinghu-bio.example",
            (
                QualificationSpec(QP, "JS-QP-2024-0389", d("2024-09-01"), d("2029-08-31")),
                QualificationSpec(ASEPTIC, "AS-2025-0712", d("2025-02-20"), d("2027-02-19")),
            ),
        ),
        PersonSpec(
            "赵雨婷",
            "Zhao Yuting",
            ("qa",),
            "zhao.yuting@xinghu-bio.example",
            (
                QualificationSpec(GMP_TRAINING, "GMP-T-2025-01127", d("2025-03-05"), d("2028-03-04")),
                QualificationSpec(ASEPTIC, "AS-2025-0713", d("2025-02-20"), d("2027-02-19")),
            ),
        ),
    ),
    products=(
        ProductSpec(
            key="pd1",
            name_zh="星利单抗注射液",
            name_en="Xinglimab Injection (anti-PD-1)",
            category="antibody",
            approval_number="国药准字S20210031",
            innovative=True,
            origin="originally_developed",
        ),
        ProductSpec(
            key="cart",
            name_zh="XH-19 自体抗CD19 CAR-T细胞注射液",
            name_en="XH-19 Autologous Anti-CD19 CAR-T Cell Injection",
            category="cell_gene_therapy",
            approval_number=None,  # a candidate in clinical development
            innovative=True,
            origin="originally_developed",
            storage=(-196, -150),
        ),
    ),
)

SHANGHAI_CDMO = EnterpriseSpec(
    key="qilan",
    name_zh="上海启澜生物制药有限公司",
    name_en="Shanghai Qilan Biologics Co., Ltd.",
    credit_code=credit_code("310115", "59312784"),
    region_code="310000",
    roles=("contract_manufacturer",),
    users=(UserSpec("shcdmo-qa", Role.CMO_QA, "孙佳颖 Sun Jiaying", "sun.jiaying@qilan-bio.example"),),
    writer="shcdmo-qa",
    sites=(
        SiteSpec(
            name_zh="启澜张江制剂工厂",
            name_en="Qilan Zhangjiang Drug Product Plant",
            address="上海市浦东新区张江高科技园区张江路1238号",
            region_code="310000",
            activities=(DP, FF, PK, TS),
            gmp=(
                GmpSpec(
                    "沪GMP-2025-0088",
                    d("2025-04-16"),
                    "单克隆抗体注射液制剂生产线（西林瓶无菌灌装）药品GMP符合性检查",
                ),
            ),
        ),
    ),
    licences=(
        LicenceSpec(
            "沪20180123",
            "C",
            "受托生产：治疗用生物制品（单克隆抗体注射液）制剂，无菌灌装、包装",
            d("2023-06-20"),
            d("2028-06-19"),
        ),
    ),
    persons=(
        PersonSpec(
            "孙佳颖",
            "Sun Jiaying",
            ("qa", "quality_head"),
            "sun.jiaying@qilan-bio.example",
            (QualificationSpec(GMP_TRAINING, "GMP-T-2025-05521", d("2025-11-01"), d("2028-10-31")),),
        ),
        PersonSpec(
            "许振华",
            "Xu Zhenhua",
            ("qualified_person",),
            "xu.zhenhua@qilan-bio.example",
            (QualificationSpec(QP, "SH-QP-2024-0256", d("2024-07-01"), d("2029-06-30")),),
        ),
    ),
)

NANJING = EnterpriseSpec(
    key="zifeng",
    name_zh="南京紫峰生物医药有限公司",
    name_en="Nanjing Zifeng Biopharma Co., Ltd.",
    credit_code=credit_code("320115", "MA1XB63R"),
    region_code="320000",
    roles=("holder",),
    users=(UserSpec("nanjing-ra", Role.HOLDER_RA, "何志强 He Zhiqiang", "he.zhiqiang@zifeng-bio.example"),),
    writer="nanjing-ra",
    sites=(
        SiteSpec(
            name_zh="紫峰江宁抗体中间体车间",
            name_en="Zifeng Jiangning Antibody Intermediate Plant",
            address="江苏省南京市江宁经济技术开发区将军大道699号",
            region_code="320000",
            activities=(DS, TS),
            gmp=(
                GmpSpec("苏GMP-2025-012", d("2025-03-11"), "抗体中间体（ADC用单克隆抗体）原液生产线药品GMP符合性检查"),
            ),
        ),
    ),
    licences=(
        LicenceSpec(
            "苏20190045",
            "B",
            "治疗用生物制品（抗体偶联药物）抗体中间体；委托生产：偶联、制剂（受托方：上海奉浦生物偶联技术有限公司）",
            d("2024-08-01"),
            d("2029-07-31"),
        ),
    ),
    persons=(
        PersonSpec(
            "刘文博",
            "Liu Wenbo",
            ("qualified_person",),
            "liu.wenbo@zifeng-bio.example",
            (QualificationSpec(QP, "JS-QP-2023-0211", d("2023-05-01"), d("2028-04-30")),),
        ),
        PersonSpec(
            "黄静怡",
            "Huang Jingyi",
            ("qa",),
            "huang.jingyi@zifeng-bio.example",
            (QualificationSpec(GMP_TRAINING, "GMP-T-2024-02290", d("2024-03-18"), d("2027-03-17")),),
        ),
    ),
    products=(
        ProductSpec(
            key="adc",
            name_zh="注射用紫妥珠单抗维多汀",
            name_en="Zituzumab Vedotin for Injection (anti-HER2 ADC)",
            category="adc",
            approval_number="国药准字S20240018",
            innovative=True,
            origin="originally_developed",
        ),
    ),
)

SWISS = EnterpriseSpec(
    key="rheinau",
    name_zh="莱瑙生物偶联股份公司",
    name_en="Rheinau Bioconjugates AG",
    credit_code=None,
    country_code="CH",
    roles=("contract_manufacturer",),
    users=(UserSpec("swiss-qa", Role.CMO_QA, "Anna Keller", "anna.keller@rheinau-bioconjugates.example"),),
    writer="swiss-qa",
    sites=(
        SiteSpec(
            name_zh="莱瑙普拉特恩连接子-载荷工厂",
            name_en="Rheinau Pratteln Linker-Payload Plant",
            address="Hohenrainstrasse 24, 4133 Pratteln, Switzerland",
            country_code="CH",
            activities=(DS, TS),
            gmp=(
                GmpSpec(
                    "Swissmedic GMP 24-0456", d("2024-10-08"), "Highly potent linker-payload (vc-MMAE) manufacture"
                ),
            ),
        ),
    ),
    persons=(
        PersonSpec(
            "Anna Keller",
            "Anna Keller",
            ("qualified_person", "qa"),
            "anna.keller@rheinau-bioconjugates.example",
            (
                QualificationSpec(
                    "瑞士药品监督管理局（Swissmedic）认可的技术负责人", "FvP-2019-3381", d("2019-01-15"), None
                ),
            ),
        ),
    ),
)

SHANGHAI_ADC_CDMO = EnterpriseSpec(
    key="fengpu",
    name_zh="上海奉浦生物偶联技术有限公司",
    name_en="Shanghai Fengpu Bioconjugation Technology Co., Ltd.",
    credit_code=credit_code("310120", "MA1FL2Y8"),
    region_code="310000",
    roles=("contract_manufacturer",),
    users=(UserSpec("shadc-qa", Role.CMO_QA, "马俊 Ma Jun", "ma.jun@fengpu-conj.example"),),
    writer="shadc-qa",
    sites=(
        SiteSpec(
            name_zh="奉浦偶联及无菌灌装车间",
            name_en="Fengpu Conjugation and Aseptic Fill Plant",
            address="上海市奉贤区金海公路5885号",
            region_code="310000",
            activities=(DS, DP, FF, TS),
            gmp=(
                GmpSpec(
                    "沪GMP-2025-0142", d("2025-06-24"), "抗体偶联药物偶联原液及冻干粉针制剂生产线药品GMP符合性检查"
                ),
            ),
        ),
    ),
    licences=(
        LicenceSpec(
            "沪20200317",
            "C",
            "受托生产：治疗用生物制品（抗体偶联药物）偶联原液、冻干粉针剂",
            d("2025-01-10"),
            d("2030-01-09"),
        ),
    ),
    persons=(
        PersonSpec(
            "马俊",
            "Ma Jun",
            ("qa", "quality_head"),
            "ma.jun@fengpu-conj.example",
            (QualificationSpec(GMP_TRAINING, "GMP-T-2024-04107", d("2024-06-01"), d("2027-05-31")),),
        ),
    ),
)

HANGZHOU = EnterpriseSpec(
    key="qiantang",
    name_zh="杭州钱塘生物科技有限公司",
    name_en="Hangzhou Qiantang Biotechnology Co., Ltd.",
    credit_code=credit_code("330100", "MA2CE4KX"),
    region_code="330000",
    roles=("holder",),
    users=(UserSpec("hangzhou-ra", Role.HOLDER_RA, "钱国伟 Qian Guowei", "qian.guowei@qiantang-bio.example"),),
    writer="hangzhou-ra",
    sites=(
        SiteSpec(
            name_zh="钱塘杭州多肽原液车间",
            name_en="Qiantang Hangzhou Peptide Drug Substance Plant",
            address="浙江省杭州市钱塘区6号大街452号",
            region_code="330000",
            activities=(DS, TS),
            gmp=(
                GmpSpec(
                    "浙GMP-2024-077", d("2024-09-03"), "重组GLP-1受体激动剂原液（酵母表达）生产线药品GMP符合性检查"
                ),
            ),
        ),
    ),
    licences=(
        LicenceSpec(
            "浙20170056",
            "B",
            "治疗用生物制品（重组多肽）原液；委托生产：钱格鲁肽注射液制剂（受托方：浙江和远药业有限公司）",
            d("2022-11-15"),
            d("2027-11-14"),
        ),
    ),
    persons=(
        PersonSpec(
            "吴晓东",
            "Wu Xiaodong",
            ("qualified_person",),
            "wu.xiaodong@qiantang-bio.example",
            (QualificationSpec(QP, "ZJ-QP-2022-0098", d("2022-08-01"), d("2027-07-31")),),
        ),
        PersonSpec(
            "郑丽娜",
            "Zheng Lina",
            ("qa",),
            "zheng.lina@qiantang-bio.example",
            (QualificationSpec(GMP_TRAINING, "GMP-T-2025-00651", d("2025-01-20"), d("2028-01-19")),),
        ),
    ),
    products=(
        ProductSpec(
            key="glp1",
            name_zh="钱格鲁肽注射液",
            name_en="Qianglutide Injection (GLP-1 receptor agonist)",
            category="glp1",
            approval_number="国药准字S20230052",
            innovative=True,
            origin="originally_developed",
        ),
    ),
)

TAIZHOU = EnterpriseSpec(
    key="heyuan",
    name_zh="浙江和远药业有限公司",
    name_en="Zhejiang Heyuan Pharmaceutical Co., Ltd.",
    credit_code=credit_code("331002", "70471238"),
    region_code="330000",
    roles=("contract_manufacturer",),
    users=(UserSpec("taizhou-qa", Role.CMO_QA, "叶建军 Ye Jianjun", "ye.jianjun@heyuan-pharma.example"),),
    writer="taizhou-qa",
    sites=(
        SiteSpec(
            name_zh="和远台州制剂工厂",
            name_en="Heyuan Taizhou Drug Product Plant",
            address="浙江省台州市椒江区海虹大道1188号",
            region_code="330000",
            activities=(DP, FF, PK),
            gmp=(GmpSpec("浙GMP-2025-019", d("2025-02-26"), "预灌封注射笔用卡式瓶无菌灌装生产线药品GMP符合性检查"),),
        ),
    ),
    licences=(
        LicenceSpec(
            "浙20000112",
            "C",
            "受托生产：治疗用生物制品（重组多肽注射液）制剂，卡式瓶灌装、注射笔组装与包装",
            d("2025-06-30"),
            d("2030-06-29"),
        ),
    ),
    persons=(
        PersonSpec(
            "叶建军",
            "Ye Jianjun",
            ("qa", "quality_head"),
            "ye.jianjun@heyuan-pharma.example",
            (QualificationSpec(PHARMACIST, "ZY331000017642", d("2026-03-20"), d("2031-03-19")),),
        ),
    ),
)

BEIJING = EnterpriseSpec(
    key="yongding",
    name_zh="北京永定生物制品有限公司",
    name_en="Beijing Yongding Biological Products Co., Ltd.",
    credit_code=credit_code("110115", "MA01B7KP"),
    region_code="110000",
    roles=("holder",),
    users=(UserSpec("beijing-ra", Role.HOLDER_RA, "杨帆 Yang Fan", "yang.fan@yongding-bio.example"),),
    writer="beijing-ra",
    sites=(
        SiteSpec(
            name_zh="永定大兴疫苗原液基地",
            name_en="Yongding Daxing Vaccine Drug Substance Site",
            address="北京市大兴区中关村科技园区大兴生物医药产业基地天富街18号",
            region_code="110000",
            activities=(DS, TS, ST),
            gmp=(
                GmpSpec(
                    "京GMP-2025-006",
                    d("2025-01-14"),
                    "13价肺炎球菌多糖结合物原液（13个血清型多糖及CRM197结合）生产线药品GMP符合性检查",
                ),
            ),
        ),
    ),
    licences=(
        LicenceSpec(
            "京20150019",
            "B",
            "预防用生物制品（多糖结合疫苗）原液；委托生产：配制、灌装（受托方：河北太行生物制药有限公司）",
            d("2025-04-01"),
            d("2030-03-31"),
        ),
    ),
    persons=(
        PersonSpec(
            "高建国",
            "Gao Jianguo",
            ("qualified_person", "quality_head"),
            "gao.jianguo@yongding-bio.example",
            (
                QualificationSpec(QP, "BJ-QP-2020-0033", d("2020-10-01"), d("2025-09-30")),  # lapsed
                QualificationSpec(QP, "BJ-QP-2025-0117", d("2025-10-01"), d("2030-09-30")),
            ),
        ),
        PersonSpec(
            "李婉清",
            "Li Wanqing",
            ("qa",),
            "li.wanqing@yongding-bio.example",
            (QualificationSpec(GMP_TRAINING, "GMP-T-2024-01876", d("2024-02-26"), d("2027-02-25")),),
        ),
    ),
    products=(
        ProductSpec(
            key="pcv13",
            name_zh="13价肺炎球菌多糖结合疫苗（CRM197载体）",
            name_en="13-valent Pneumococcal Polysaccharide Conjugate Vaccine (CRM197)",
            category="vaccine_multivalent",
            approval_number="国药准字S20220009",
            nmpa_specified=True,
            origin="originally_developed",
        ),
    ),
)

HEBEI = EnterpriseSpec(
    key="taihang",
    name_zh="河北太行生物制药有限公司",
    name_en="Hebei Taihang Biopharmaceutical Co., Ltd.",
    credit_code=credit_code("130100", "60113578"),
    region_code="130000",
    roles=("contract_manufacturer",),
    users=(UserSpec("hebei-qa", Role.CMO_QA, "韩雪 Han Xue", "han.xue@taihang-bio.example"),),
    writer="hebei-qa",
    sites=(
        SiteSpec(
            name_zh="太行石家庄疫苗制剂车间",
            name_en="Taihang Shijiazhuang Vaccine Formulation Plant",
            address="河北省石家庄市高新区黄河大道226号",
            region_code="130000",
            activities=(DP, FF, PK, TS),
            gmp=(GmpSpec("冀GMP-2025-031", d("2025-05-20"), "疫苗配制及预灌封注射器灌装生产线药品GMP符合性检查"),),
        ),
    ),
    licences=(
        LicenceSpec(
            "冀20160077",
            "C",
            "受托生产：预防用生物制品（多糖结合疫苗）配制、预灌封注射器灌装、包装",
            d("2026-08-20"),
            d("2031-08-19"),
        ),
    ),
    persons=(
        PersonSpec(
            "韩雪",
            "Han Xue",
            ("qa", "quality_head"),
            "han.xue@taihang-bio.example",
            (QualificationSpec(GMP_TRAINING, "GMP-T-2025-02214", d("2025-04-08"), d("2028-04-07")),),
        ),
    ),
)

GUANGDONG = EnterpriseSpec(
    key="nanling",
    name_zh="广东南岭血液制品有限公司",
    name_en="Guangdong Nanling Blood Products Co., Ltd.",
    credit_code=credit_code("440200", "19035627"),
    region_code="440000",
    roles=("holder",),
    users=(UserSpec("guangdong-ra", Role.HOLDER_RA, "梁嘉欣 Liang Jiaxin", "liang.jiaxin@nanling-blood.example"),),
    writer="guangdong-ra",
    sites=(
        SiteSpec(
            name_zh="南岭韶关血液制品生产基地",
            name_en="Nanling Shaoguan Plasma Fractionation Plant",
            address="广东省韶关市武江区芙蓉新城工业大道66号",
            region_code="440000",
            activities=(DS, DP, FF, PK, TS, ST),
            gmp=(GmpSpec("粤GMP-2025-045", d("2025-07-09"), "人血白蛋白、静注人免疫球蛋白生产线药品GMP符合性检查"),),
        ),
    ),
    licences=(
        LicenceSpec(
            "粤20100034",
            "A",
            "血液制品（人血白蛋白、静注人免疫球蛋白（pH4））",
            d("2025-02-01"),
            d("2030-01-31"),
        ),
    ),
    persons=(
        PersonSpec(
            "邓志伟",
            "Deng Zhiwei",
            ("qualified_person",),
            "deng.zhiwei@nanling-blood.example",
            (QualificationSpec(QP, "GD-QP-2024-0410", d("2024-12-01"), d("2029-11-30")),),
        ),
        PersonSpec(
            "罗敏",
            "Luo Min",
            ("qa",),
            "luo.min@nanling-blood.example",
            (QualificationSpec(GMP_TRAINING, "GMP-T-2024-06630", d("2024-08-12"), d("2027-08-11")),),
        ),
    ),
    products=(
        ProductSpec(
            key="albumin",
            name_zh="人血白蛋白",
            name_en="Human Albumin 20% (10 g/50 ml)",
            category="blood_product",
            approval_number="国药准字S20103021",
        ),
    ),
)

SCENARIO = Scenario(
    operator=("bioseg 系统运维", "bioseg system operator"),
    admin=UserSpec("admin", Role.SYSTEM_ADMIN, "方志远 Fang Zhiyuan", "admin@bioseg.example"),
    nmpa=("国家药品监督管理局", "National Medical Products Administration"),
    nmpa_officer=UserSpec("nmpa", Role.NMPA_OFFICER, "宋立华 Song Lihua", "song.lihua@nmpa.example"),
    regulators=(
        RegulatorSpec(
            "320000",
            "js",
            "江苏省药品监督管理局",
            "Jiangsu Medical Products Administration",
            "顾婷 Gu Ting",
            "朱宏斌 Zhu Hongbin",
        ),
        RegulatorSpec(
            "310000",
            "sh",
            "上海市药品监督管理局",
            "Shanghai Municipal Medical Products Administration",
            "沈佳 Shen Jia",
            "陆振宇 Lu Zhenyu",
        ),
        RegulatorSpec(
            "330000",
            "zj",
            "浙江省药品监督管理局",
            "Zhejiang Medical Products Administration",
            "金露 Jin Lu",
            "蒋国平 Jiang Guoping",
        ),
        RegulatorSpec(
            "110000",
            "bj",
            "北京市药品监督管理局",
            "Beijing Municipal Medical Products Administration",
            "刘洋 Liu Yang",
            "孟庆华 Meng Qinghua",
        ),
        RegulatorSpec(
            "130000",
            "hb",
            "河北省药品监督管理局",
            "Hebei Medical Products Administration",
            "田静 Tian Jing",
            "贾永刚 Jia Yonggang",
        ),
        RegulatorSpec(
            "440000",
            "gd",
            "广东省药品监督管理局",
            "Guangdong Medical Products Administration",
            "陈嘉怡 Chen Jiayi",
            "黄俊杰 Huang Junjie",
        ),
    ),
    enterprises=(
        SUZHOU,
        SHANGHAI_CDMO,
        NANJING,
        SWISS,
        SHANGHAI_ADC_CDMO,
        HANGZHOU,
        TAIZHOU,
        BEIJING,
        HEBEI,
        GUANGDONG,
    ),
    agreements=(
        AgreementSpec(
            "QA-XH-QL-2024-001", "suzhou", "qilan", ("pd1",), d("2024-07-01"), d("2029-06-30"), signed_by="suzhou-qa"
        ),
        AgreementSpec(
            "QA-ZF-FP-2024-002", "zifeng", "fengpu", ("adc",), d("2024-10-15"), d("2029-10-14"), signed_by="nanjing-ra"
        ),
        AgreementSpec(
            "QA-ZF-RB-2024-003", "zifeng", "rheinau", ("adc",), d("2024-11-01"), d("2027-10-31"), signed_by="nanjing-ra"
        ),
        AgreementSpec(
            "QA-QT-HY-2023-001",
            "qiantang",
            "heyuan",
            ("glp1",),
            d("2023-09-01"),
            d("2028-08-31"),
            signed_by="hangzhou-ra",
        ),
        AgreementSpec(
            "QA-YD-TH-2024-001",
            "yongding",
            "taihang",
            ("pcv13",),
            d("2024-03-01"),
            d("2029-02-28"),
            signed_by="beijing-ra",
        ),
    ),
)
