"""The documents the rules cite, and the cited passages: Chinese original next to an English rendering.

Verification labels follow ``shared/domain/requirements.md``: ``verified`` means the Chinese text below
was read in the original or a verbatim reprint (the register's [V]); ``secondary`` means only commentary
or press was available, so ``text_zh`` is a *summary in Chinese*, clearly not the original (the register's
[S]). English renderings are bioseg's own working translations, not official ones.
"""

from __future__ import annotations

from datetime import date

from ..rulebook import Citation, Document, Verification

# ------------------------------------------------------------------------------------------------ documents

PILOT_PLAN = Document(
    id="nmpa-2024-segmented-pilot-plan",
    title_zh="生物制品分段生产试点工作方案",
    title_en="Pilot Work Plan for the Segmented Production of Biological Products",
    issuer_zh="国家药品监督管理局",
    issuer_en="National Medical Products Administration (NMPA)",
    issued_on=date(2024, 10, 21),
    in_force_from=date(2024, 10, 21),
    url="https://www.medvalley.cn/yiyao/76327.html",
    register_ref="S1",
)

HAN_KUN_2024 = Document(
    id="hankun-2024-10-28",
    title_zh="汉坤律师事务所：《生物制品分段生产试点工作方案》评述",
    title_en="Han Kun Law Offices, commentary on the segmented-production pilot plan",
    issuer_zh="汉坤律师事务所",
    issuer_en="Han Kun Law Offices",
    issued_on=date(2024, 10, 28),
    url="https://hankunlaw.com/portal/article/index/cid/8/id/14718",
    register_ref="S3",
)

MONDAQ_2024 = Document(
    id="mondaq-2024-pilot-plan",
    title_zh="Mondaq：国家药监局发布生物制品非端到端生产试点方案（英文评述）",
    title_en="Mondaq, China's NMPA Announces A Pilot Plan To Allow Non-End-To-End Manufacturing Of Biologics",
    issuer_zh="Mondaq",
    issuer_en="Mondaq",
    url="https://www.mondaq.com/china/healthcare/1536470/",
    register_ref="S4",
)

DRUG_ADMIN_LAW = Document(
    id="drug-administration-law-2019",
    title_zh="中华人民共和国药品管理法",
    title_en="Drug Administration Law of the People's Republic of China (2019 revision)",
    issuer_zh="全国人民代表大会常务委员会",
    issuer_en="Standing Committee of the National People's Congress",
    issued_on=date(2019, 8, 26),
    in_force_from=date(2019, 12, 1),
    url="http://www.npc.gov.cn/npc/c2/c30834/201908/t20190826_300489.html",
    register_ref="S8",
)

IMPL_REGS_2026 = Document(
    id="drug-administration-law-implementing-regulations-2026",
    title_zh="中华人民共和国药品管理法实施条例（国务院令第828号）",
    title_en="Regulations for the Implementation of the Drug Administration Law (State Council Order No. 828)",
    issuer_zh="国务院",
    issuer_en="State Council",
    issued_on=date(2026, 1, 16),
    in_force_from=date(2026, 5, 15),
    url="https://www.gov.cn/gongbao/2026/issue_12546/202602/content_7057461.html",
    register_ref="S10",
)

IMPL_REGS_OLD = Document(
    id="drug-administration-law-implementing-regulations-2002",
    title_zh="中华人民共和国药品管理法实施条例（2002年公布，2024年修订）",
    title_en="Regulations for the Implementation of the Drug Administration Law (2002, as revised to 2024)",
    issuer_zh="国务院",
    issuer_en="State Council",
    issued_on=date(2002, 8, 4),
    in_force_from=date(2002, 9, 15),
    register_ref="S11",
)

VACCINE_PROVISIONS = Document(
    id="vaccine-production-distribution-provisions-2022",
    title_zh="疫苗生产流通管理规定（国家药监局公告2022年第55号）",
    title_en="Provisions on the Production and Distribution of Vaccines (NMPA Announcement 2022 No. 55)",
    issuer_zh="国家药品监督管理局",
    issuer_en="NMPA",
    register_ref="VAX-P12",
)

CIVIL_CODE = Document(
    id="civil-code-2020",
    title_zh="中华人民共和国民法典",
    title_en="Civil Code of the People's Republic of China",
    issuer_zh="全国人民代表大会",
    issuer_en="National People's Congress",
    issued_on=date(2020, 5, 28),
    in_force_from=date(2021, 1, 1),
    url="https://flk.npc.gov.cn/",
)

DOCUMENTS = (
    PILOT_PLAN,
    HAN_KUN_2024,
    MONDAQ_2024,
    DRUG_ADMIN_LAW,
    IMPL_REGS_2026,
    IMPL_REGS_OLD,
    VACCINE_PROVISIONS,
    CIVIL_CODE,
)

V = Verification.VERIFIED
S = Verification.SECONDARY

# ------------------------------------------------------------------------------------------------ pilot plan

PLAN_HEADLINE = Citation(
    PILOT_PLAN,
    "发布稿标题（转载）",
    "headline of the published text (reprint)",
    "2025年12月31日前提出试点申请",
    "Pilot applications are to be made before 31 December 2025.",
    V,
    note_en="Verified in the reprint's headline; the plan's own timetable section was not read (register PLAN-09).",
    note_zh="见转载稿标题；方案正文的时间安排部分未核读（登记册 PLAN-09）。",
)

PLAN_REGIONS = Citation(
    PILOT_PLAN,
    "二、（一）试点区域",
    "§2(1) Pilot regions",
    "试点地区包括党中央、国务院区域协调发展战略提出探索生物制品分段生产任务的省级行政区域，以及生物医药产业聚集、"
    "确有项目需求且生物制品监管能力较强的省级行政区域。",
    "The pilot regions comprise the provincial-level areas that the national regional-coordination strategies of the "
    "CPC Central Committee and the State Council task with exploring segmented production of biological products, and "
    "provincial-level areas with a biopharmaceutical cluster, a real project need and strong capacity to supervise "
    "biological products.",
    V,
)

PLAN_HOLDER = Citation(
    PILOT_PLAN,
    "二、（二）试点企业 第一段",
    "§2(2) Pilot enterprises, para. 1",
    "试点品种的持有人应当具备试点品种的自主研发、质量管理、风险防控和责任赔偿能力，持有人及分段生产的相关受托生产企业"
    "应当执行统一的质量管理体系。",
    "The holder of a pilot product shall have, for that product, the capability of independent research and "
    "development, quality management, risk prevention and control, and liability compensation; the holder and the "
    "entrusted manufacturers of the segments shall run one unified quality management system.",
    V,
)

PLAN_CMO = Citation(
    PILOT_PLAN,
    "二、（二）试点企业 第二段",
    "§2(2) Pilot enterprises, para. 2",
    "参加试点工作的受托生产企业应当具备完善的药品质量保证体系，具有三年以上生物制品商业化生产经验。",
    "An entrusted manufacturer taking part in the pilot shall have a complete drug quality assurance system and at "
    "least three years of commercial production experience with biological products.",
    V,
)

PLAN_PRODUCTS = Citation(
    PILOT_PLAN,
    "二、（三）试点品种",
    "§2(3) Pilot products",
    "试点品种原则上应当为创新生物制品、临床急需生物制品或者国家药监局规定的其他生物制品，包括多联多价疫苗、"
    "抗体类生物制品、抗体偶联类生物制品、胰高血糖素样肽-1类生物……",
    "Pilot products shall in principle be innovative biological products, biological products of urgent clinical "
    "need, or other biological products specified by NMPA, including combination and multivalent vaccines, antibody "
    "products, antibody-drug conjugates, GLP-1 products … [and insulin products].",
    V,
    note_en="The sentence was read up to 'GLP-1'; insulin products are known from secondary sources (register PLAN-07).",
    note_zh="原文核读至“胰高血糖素样肽-1类生物……”；胰岛素类生物制品见二手来源（登记册 PLAN-07）。",
)

PLAN_INTERPRETATION_ORIGINAL = Citation(
    HAN_KUN_2024,
    "关于试点企业（转述方案政策解读）",
    "on pilot enterprises (reporting the plan's official interpretation)",
    "［二手来源转述，非原文］政策解读称试点品种应为持有人自主研发的品种；许可引进或合作开发的品种未予界定。",
    "[Secondary, not the original] The official interpretation is reported to say pilot products should be the "
    "enterprise's originally-developed products; licensed-in or co-developed products are not defined.",
    S,
)

PLAN_STATIONED = Citation(
    HAN_KUN_2024,
    "关于委托方派驻人员（转述方案）",
    "on the entrusting party's stationed personnel (reporting the plan)",
    "［二手来源转述，非原文］委托方应向受托生产企业派驻至少两名具备相应资质的技术或质量管理人员，常驻现场监督生产。",
    "[Secondary, not the original] The entrusting party stations at least two qualified technical or quality "
    "people at the entrusted manufacturer to oversee its operations on site, beyond ordinary audits.",
    S,
)

PLAN_STATIONED_MONDAQ = Citation(
    MONDAQ_2024,
    "方案摘要（英文评述）",
    "summary of the plan",
    "［二手来源转述，非原文］委托方须指派至少两名有经验的质量保证人员监督受托方的生产活动。",
    "[Secondary] “assign at least two experienced QA personnel to oversee the CMO's manufacturing operations”",
    S,
)

PLAN_JOINT_PLAN = Citation(
    HAN_KUN_2024,
    "关于跨省监管（转述方案）",
    "on cross-provincial supervision (reporting the plan)",
    "［二手来源转述，非原文］委托双方不在同一省份的，由双方所在地省级药品监督管理部门共同制定监管方案。",
    "[Secondary, not the original] Where the parties are in different provinces, the medical products "
    "administrations of both provinces jointly formulate the regulatory plan.",
    S,
)

PLAN_CROSS_BORDER = Citation(
    HAN_KUN_2024,
    "关于境外持有人与跨境分段生产（转述方案）",
    "on foreign holders and cross-border segments (reporting the plan)",
    "［二手来源转述，非原文］境外申请人、进口药品持有人可参与试点；跨境分段安排按“一品一策”个案确定。",
    "[Secondary, not the original] Foreign applicants and holders of imported drugs may take part; cross-border "
    "segment arrangements are settled case by case under 'one product, one policy'.",
    S,
)

PLAN_PERIOD = Citation(
    MONDAQ_2024,
    "方案时间安排摘要（英文评述）",
    "summary of the plan's timetable",
    "［二手来源转述，非原文］试点工作为期约两年，于2026年12月31日前结束。",
    "[Secondary] The pilot runs for about two years and concludes by 31 December 2026.",
    S,
    note_en="Known from S4, S5, S7 (register PLAN-10); the plan's timetable section was not read.",
    note_zh="见登记册 PLAN-10（S4、S5、S7）；方案时间安排部分原文未核读。",
)

PLAN_ISSUED = Citation(
    PILOT_PLAN,
    "发布信息",
    "publication",
    "［二手来源转述，非原文］国家药监局2024年10月18日局务会审议通过，2024年10月21日印发。",
    "[Secondary] Approved at the NMPA meeting of 18 October 2024 and issued on 21 October 2024 (reported dates).",
    S,
    note_en="Issue date as reported (register S1/S2); bioseg does not evaluate the plan before it.",
    note_zh="印发日期据报道（登记册 S1、S2）；早于该日期不予评估。",
)

# ------------------------------------------------------------------------------------------------ statutes

DAL_ART32_BAN = Citation(
    DRUG_ADMIN_LAW,
    "第三十二条第四款",
    "Art. 32(4)",
    "血液制品、麻醉药品、精神药品、医疗用毒性药品、药品类易制毒化学品不得委托生产；但是，国务院药品监督管理部门另有规定的除外。",
    "Blood products, narcotic drugs, psychotropic drugs, toxic drugs for medical use and precursor chemicals of the "
    "drug kind may not be manufactured under contract, unless the drug regulatory department of the State Council "
    "provides otherwise.",
    V,
)

DAL_ART32_CONTRACT = Citation(
    DRUG_ADMIN_LAW,
    "第三十二条第一款、第二款",
    "Art. 32(1)–(2)",
    "药品上市许可持有人可以自行生产药品，也可以委托药品生产企业生产。……委托生产的，应当委托符合条件的药品生产企业。"
    "药品上市许可持有人和受托生产企业应当签订委托协议和质量协议，并严格履行协议约定的义务。",
    "A holder may manufacture a drug itself or entrust a drug manufacturer … if it entrusts, it shall entrust a "
    "qualified manufacturer; the holder and the entrusted manufacturer shall sign an entrustment agreement and a "
    "quality agreement and strictly perform them.",
    V,
)

OLD_REGS_ART10 = Citation(
    IMPL_REGS_OLD,
    "第十条（2026年5月15日失效）",
    "Art. 10 (superseded on 15 May 2026)",
    "疫苗、血液制品和国务院药品监督管理部门规定的其他药品，不得委托生产。",
    "Vaccines, blood products and other drugs specified by the State Council's drug regulatory department may not be "
    "manufactured under contract.",
    V,
    note_en="For vaccines the higher laws of 2019 (Vaccine Administration Law Art. 22, DAL Art. 32) prevail; "
    "bioseg applies them (register R-13, Q13).",
    note_zh="就疫苗而言，适用上位法（2019年疫苗管理法第二十二条、药品管理法第三十二条）（登记册 R-13、Q13）。",
)

REGS_ART31_DUTIES = Citation(
    IMPL_REGS_2026,
    "第三十一条第二款",
    "Art. 31(2)",
    "药品上市许可持有人委托生产药品的，应当委托符合条件的药品生产企业。药品上市许可持有人应当履行供应商审核、"
    "药品生产过程中的变更管理、药品上市放行等责任，对受托生产企业进行监督，保证药品生产全过程持续符合法定要求。"
    "受托生产企业应当按照药品生产质量管理规范组织生产，不得再次委托生产。",
    "A holder that entrusts manufacture shall entrust a qualified manufacturer, perform supplier audit, change "
    "management and market release, and supervise the entrusted manufacturer so that the whole process stays "
    "compliant. The entrusted manufacturer shall produce under GMP and shall not entrust the production again.",
    V,
)

REGS_ART31_BAN = Citation(
    IMPL_REGS_2026,
    "第三十一条第三款",
    "Art. 31(3)",
    "血液制品、麻醉药品、精神药品、医疗用毒性药品、药品类易制毒化学品以及含有麻醉药品、精神药品、药品类易制毒化学品成份的药品"
    "不得委托生产；但是，国务院药品监督管理部门另有规定的除外。",
    "Blood products, narcotic drugs, psychotropic drugs, toxic drugs for medical use, precursor chemicals of the drug "
    "kind, and drugs containing narcotic, psychotropic or precursor ingredients may not be manufactured under "
    "contract, unless the State Council's drug regulatory department provides otherwise.",
    V,
)

REGS_ART32_SCOPE = Citation(
    IMPL_REGS_2026,
    "第三十二条第一款",
    "Art. 32(1)",
    "药品上市许可持有人确有需要的，可以委托符合条件的药品生产企业分段生产下列药品：（一）生产工艺、设施设备有特殊要求的创新药；"
    "（二）国务院有关部门提出的临床急需的药品、应对突发公共卫生事件急需的药品或者储备需要的药品；"
    "（三）国务院药品监督管理部门规定的其他药品。",
    "A holder with a genuine need may entrust qualified manufacturers with the segmented production of: (1) "
    "innovative drugs with special requirements on process or facilities and equipment; (2) drugs of urgent clinical "
    "need proposed by State Council departments, drugs urgently needed for public-health emergencies, or drugs needed "
    "for reserves; (3) other drugs specified by the State Council's drug regulatory department.",
    V,
)

REGS_ART32_QA = Citation(
    IMPL_REGS_2026,
    "第三十二条第二款",
    "Art. 32(2)",
    "药品上市许可持有人委托分段生产药品的，应当建立覆盖药品生产全过程和全部生产场地的统一质量保证体系，"
    "保证药品生产全过程持续符合法定要求。",
    "A holder that entrusts segmented production shall build one unified quality assurance system covering the whole "
    "production process and every production site, so that the whole process stays compliant.",
    V,
)

REGS_ART33_VACCINE = Citation(
    IMPL_REGS_2026,
    "第三十三条",
    "Art. 33",
    "有下列情形之一，超出疫苗上市许可持有人生产能力的，经国务院药品监督管理部门批准，疫苗上市许可持有人可以委托符合条件的"
    "疫苗生产企业生产或者分段生产疫苗：（一）生产多联多价疫苗；（二）国务院有关部门提出疾病预防、控制急需或者储备需要；"
    "（三）国务院药品监督管理部门规定的其他情形。",
    "Where, in one of the following cases, the need exceeds the vaccine holder's own production capacity, the holder "
    "may, with the approval of the State Council's drug regulatory department, entrust qualified vaccine manufacturers "
    "with the production or segmented production of a vaccine: (1) producing multivalent or combination vaccines; "
    "(2) an urgent disease-prevention or -control need or a reserve need raised by State Council departments; (3) "
    "other cases specified by the State Council's drug regulatory department.",
    V,
)

REGS_ART34_RECORDS = Citation(
    IMPL_REGS_2026,
    "第三十四条",
    "Art. 34",
    "生产疫苗、血液制品等生物制品，应当按照规定采用信息化手段如实记录生产、检验过程中形成的所有数据。",
    "Whoever produces vaccines, blood products and other biological products shall, as prescribed, record truthfully "
    "and by informatization means all data generated in production and testing.",
    V,
)

REGS_ART89_IN_FORCE = Citation(
    IMPL_REGS_2026,
    "第八十九条",
    "Art. 89",
    "本条例自2026年5月15日起施行。",
    "These Regulations take effect on 15 May 2026.",
    V,
)

VACCINE_PROVISIONS_ART12 = Citation(
    VACCINE_PROVISIONS,
    "第十二条",
    "Art. 12",
    "［二手来源转述，非原文］疫苗委托生产应当为全过程委托；多联多价等疫苗经国家药监局同意后疫苗原液或者制剂可分开委托生产。",
    "[Secondary, not the original] Contract manufacture of vaccines covers the whole process; for combination or "
    "multivalent vaccines, the drug substance or the drug product may be contracted separately with NMPA's consent.",
    S,
    note_en="The phrase “经国家药监局同意后疫苗原液或者制剂可分开委托生产” is quoted by Han Kun (S3); the article "
    "itself was not read (register VAX-P12).",
    note_zh="“经国家药监局同意后疫苗原液或者制剂可分开委托生产”一语引自汉坤评述（S3）；条文原文未核读（登记册 VAX-P12）。",
)

CIVIL_CODE_PERIODS = Citation(
    CIVIL_CODE,
    "第二百零一条第一款、第二百零二条",
    "Arts. 201(1) and 202",
    "按照年、月、日计算期间的，开始的当日不计入，自下一日开始计算。按照年、月计算期间的，到期月的对应日为期间的最后一日；"
    "没有对应日的，月末日为期间的最后一日。",
    "A period in years, months or days does not count its first day and starts on the next day. A period in years or "
    "months ends on the corresponding day of the last month; where there is no corresponding day, it ends on the last "
    "day of that month.",
    V,
)
