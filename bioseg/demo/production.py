"""The demo's segmented production (issue 4): process chains, lots, transformations, shipments with
temperature logs, certificates of analysis and releases, for four of the demo products — built through
the production services, each step by the user who would do it.

- **PD-1** (Xinglimab): working cell bank and drug substance at Xinghu Suzhou (Jiangsu) → drug product at
  Qilan Zhangjiang (Shanghai). Two DS lots shipped to Shanghai (a clean temperature log), two DP lots;
  one DP lot released (CMO QA + qualified person) and shipped to a Beijing and a Guangzhou consignee,
  the other still blocked (no certificate of analysis).
- **ADC** (Zituzumab vedotin): antibody intermediate at Zifeng Jiangning (Jiangsu) and linker-payload at
  Rheinau Pratteln (Switzerland) → conjugation and fill at Fengpu (Shanghai). Both inputs released;
  the conjugate and the filled lot await release.
- **PCV13**: 13 component drug-substance segments (one per serotype) at Yongding Daxing (Beijing) →
  formulation at Taihang Shijiazhuang (Hebei). 13 DS lots, released, shipped together and blended into
  one vaccine lot, released by Taihang's QA and Yongding's qualified person.
- **GLP-1** (Qianglutide): drug substance at Qiantang Hangzhou → drug product at Heyuan Taizhou, both in
  Zhejiang. One DS lot shipped and made into a DP lot; a second DS shipment's logger shows a
  temperature excursion **awaiting assessment** (its lot is on hold).

The holders of the ADC, PCV13 and GLP-1 products had no QA or qualified-person login in the registry
scenario; this module adds one of each (the people already in the registry), so that each step is taken
by the role the pilot plan gives it.

Idempotent like the rest of the demo: every object is looked up by its natural key first (user name,
product + chain version, product + material + site + lot number, shipment reference, file hash, CoA
reference, lot + release kind, consignee English name).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from django.utils.translation import gettext_noop

from bioseg.accounts.models import User
from bioseg.accounts.roles import Role
from bioseg.accounts.services import user_create
from bioseg.audit.context import audit_context
from bioseg.common.clock import pinned
from bioseg.demo.data import DEMO_PASSWORD, UserSpec
from bioseg.demo.epcis import epcis_demo_mappings
from bioseg.production import services
from bioseg.production.coldchain import parse_logger_csv
from bioseg.production.models import (
    CertificateOfAnalysis,
    Consignee,
    Gs1Location,
    Gs1TradeItem,
    Lot,
    ProcessChain,
    Release,
    Segment,
    Shipment,
    TemperatureLog,
)
from bioseg.registry.models import Site

UTC = dt.UTC

# The holders' quality people (already in the registry as persons) get a login.
USERS = (
    ("zifeng", UserSpec("nanjing-qa", Role.HOLDER_QA, "黄静怡 Huang Jingyi", "huang.jingyi@zifeng-bio.example")),
    ("zifeng", UserSpec("nanjing-qp", Role.QUALIFIED_PERSON, "刘文博 Liu Wenbo", "liu.wenbo@zifeng-bio.example")),
    ("qiantang", UserSpec("hangzhou-qa", Role.HOLDER_QA, "郑丽娜 Zheng Lina", "zheng.lina@qiantang-bio.example")),
    (
        "qiantang",
        UserSpec("hangzhou-qp", Role.QUALIFIED_PERSON, "吴晓东 Wu Xiaodong", "wu.xiaodong@qiantang-bio.example"),
    ),
    ("yongding", UserSpec("beijing-qa", Role.HOLDER_QA, "李婉清 Li Wanqing", "li.wanqing@yongding-bio.example")),
    (
        "yongding",
        UserSpec("beijing-qp", Role.QUALIFIED_PERSON, "高建国 Gao Jianguo", "gao.jianguo@yongding-bio.example"),
    ),
)

CONSIGNEES = (
    (
        "北京康泰医药物流有限公司",
        "Beijing Kangtai Pharmaceutical Logistics Co., Ltd.",
        "110000",
        "北京市通州区物流园区兴光五街8号",
    ),
    (
        "广州南方医药配送有限公司",
        "Guangzhou Nanfang Pharmaceutical Distribution Co., Ltd.",
        "440000",
        "广州市黄埔区开创大道2566号",
    ),
)

PCV13_SEROTYPES = ("1", "3", "4", "5", "6A", "6B", "7F", "9V", "14", "18C", "19A", "19F", "23F")


def d(iso: str) -> dt.date:
    return dt.date.fromisoformat(iso)


def at(iso: str) -> dt.datetime:
    return dt.datetime.fromisoformat(iso).replace(tzinfo=UTC)


def logger_csv(
    start: dt.datetime, hours: int, *, base: float = 4.5, spike: tuple[int, int, float] | None = None
) -> bytes:
    """A logger file: one reading every 15 minutes, gently varying around ``base`` °C; ``spike`` =
    (first reading, number of readings, °C) for an excursion."""
    lines = ["timestamp,celsius"]
    for i in range(hours * 4 + 1):
        value = base + (0.1 * (i % 7)) - 0.3
        if spike and spike[0] <= i < spike[0] + spike[1]:
            value = spike[2]
        lines.append(f"{(start + dt.timedelta(minutes=15 * i)).strftime('%Y-%m-%dT%H:%M:%SZ')},{value:.1f}")
    return ("\n".join(lines) + "\n").encode()


@dataclass
class _Ctx:
    loader: object

    def user(self, name: str) -> User:
        return self.loader.users[name]

    def site(self, enterprise_key: str, name_en: str) -> Site:
        return Site.objects.get(enterprise=self.loader.enterprises[enterprise_key], name_en=name_en)

    def ensure(self, kind, found, create):
        return self.loader.ensure(kind, found, create)


def load(loader) -> None:
    """Adds the production demo to a loaded registry scenario (``bioseg.demo.scenario._Loader``)."""
    ctx = _Ctx(loader)
    admin = loader.users["admin"]
    for enterprise_key, spec in USERS:
        org = loader.enterprises[enterprise_key].organisation
        with audit_context(actor=admin, reason=gettext_noop("user account created")):
            loader.users[spec.username] = ctx.ensure(
                "user",
                User.objects.filter(username=spec.username).first(),
                lambda spec=spec, org=org: user_create(
                    username=spec.username,
                    password=DEMO_PASSWORD,
                    organisation=org,
                    roles=[spec.role],
                    printed_name=spec.printed_name,
                    email=spec.email,
                ),
            )
        loader.result.logins.append((spec.username, str(spec.role), org.name_en))
    consignees = {}
    for name_zh, name_en, region, address in CONSIGNEES:
        consignees[region] = ctx.ensure(
            "consignee",
            Consignee.objects.filter(name_en=name_en).first(),
            lambda name_zh=name_zh, name_en=name_en, region=region, address=address: services.consignee_create(
                actor=ctx.user("shcdmo-qa"), name_zh=name_zh, name_en=name_en, region_code=region, address=address
            ),
        )
    _pd1(ctx, consignees)
    _adc(ctx)
    _pcv13(ctx)
    _glp1(ctx)
    # GS1 keys (prefix 952, reserved for demonstrations) so every demo lot can be exported as EPCIS
    already = Gs1TradeItem.objects.count() + Gs1Location.objects.count()
    loader.result.created += epcis_demo_mappings(admin)
    loader.result.existing += already


# --- building blocks (each looks its object up first) ---------------------------------------------------


def _chain(ctx, product, actor: str, segments: list[dict], note: str) -> dict[str, Segment]:
    chain = ctx.ensure(
        "process_chain",
        ProcessChain.objects.filter(product=product, version=1).first(),
        lambda: services.chain_create(
            actor=ctx.user(actor),
            product=product,
            effective_from=d("2025-01-01"),
            segments=segments,
            version=1,
            note=note,
            reason=gettext_noop("segmented process chain defined"),
        ),
    )
    return {s.code: s for s in chain.segments.all()}


def _seg(code, stage, name_zh, name_en, site, feeds=()) -> dict:
    return {"code": code, "stage": stage, "name_zh": name_zh, "name_en": name_en, "site": site, "feeds": list(feeds)}


def _existing(segment: Segment, number: str) -> Lot | None:
    return Lot.objects.filter(
        product_id=segment.chain.product_id, material=segment.code, site_id=segment.site_id, lot_number=number
    ).first()


def _lot(ctx, actor: str, segment: Segment, number: str, qty, unit: str, made: str, expires: str) -> Lot:
    return ctx.ensure(
        "lot",
        _existing(segment, number),
        lambda: services.lot_create(
            actor=ctx.user(actor),
            segment=segment,
            lot_number=number,
            quantity=qty,
            unit=unit,
            manufactured_on=d(made),
            expires_on=d(expires),
            reference=f"BR-{number}",
        ),
    )


def _make(ctx, actor: str, segment: Segment, kind: str, number: str, qty, unit: str, made: str, expires: str, inputs):
    def create():
        t = services.transformation_record(
            actor=ctx.user(actor),
            kind=kind,
            segment=segment,
            performed_on=d(made),
            inputs=[(lot, Decimal(str(q))) for lot, q in inputs],
            outputs=[{"lot_number": number, "quantity": qty, "unit": unit, "expires_on": d(expires)}],
            reference=f"BR-{number}",
        )
        return t.outputs.get()

    return ctx.ensure("lot", _existing(segment, number), create)


def _ship(ctx, actor: str, reference: str, from_site, lines, shipped: str, *, to_site=None, consignee=None):
    return ctx.ensure(
        "shipment",
        Shipment.objects.filter(reference=reference).first(),
        lambda: services.shipment_create(
            actor=ctx.user(actor),
            reference=reference,
            from_site=from_site,
            to_site=to_site,
            consignee=consignee,
            shipped_at=at(shipped),
            lines=[(lot, Decimal(str(q))) for lot, q in lines],
        ),
    )


def _receive(ctx, actor: str, shipment: Shipment, received: str) -> None:
    if shipment.received_at is None:
        services.shipment_receive(actor=ctx.user(actor), shipment=shipment, received_at=at(received))
        shipment.refresh_from_db()


def _log(ctx, actor: str, shipment: Shipment, file_name: str, content: bytes) -> None:
    digest = parse_logger_csv(content).sha256
    ctx.ensure(
        "temperature_log",
        TemperatureLog.objects.filter(shipment=shipment, sha256=digest).first(),
        lambda: services.temperature_log_upload(
            actor=ctx.user(actor), shipment=shipment, file_name=file_name, content=content
        ),
    )


def _coa(ctx, actor: str, lot: Lot, issued: str) -> None:
    reference = f"COA-{lot.lot_number}"
    ctx.ensure(
        "certificate",
        CertificateOfAnalysis.objects.filter(lot=lot, reference=reference).first(),
        lambda: services.coa_record(
            actor=ctx.user(actor),
            lot=lot,
            reference=reference,
            file_name=f"{reference}.pdf",
            content=f"Certificate of analysis {lot.lot_number} ({lot.material})".encode(),
            issued_on=d(issued),
        ),
    )


def _release(ctx, actor: str, lot: Lot, kind: str) -> None:
    ctx.ensure(
        "release",
        Release.objects.filter(lot=lot, kind=kind).first(),
        lambda: services.lot_release(
            actor=ctx.user(actor),
            password=DEMO_PASSWORD,
            lot=lot,
            kind=kind,
            reason=gettext_noop("batch record and CoA reviewed"),
        ),
    )


def _qp_release(ctx, qa: str, qp: str, lot: Lot, issued: str, *, cmo_qa: str | None = None) -> None:
    """CoA issued on ``issued``; the releases are signed the next day (CMO QA 02:00 UTC, the qualified person
    07:00 UTC — 10:00 and 15:00 in China), before the lot is shipped or used: business time is pinned, so the
    signatures carry those times while the audit trail records when the demo really wrote them."""
    _coa(ctx, qa, lot, issued)
    day = (d(issued) + dt.timedelta(days=1)).isoformat()
    if cmo_qa:
        with pinned(at(f"{day}T02:00:00")):
            _release(ctx, cmo_qa, lot, "cmo_qa")
    with pinned(at(f"{day}T07:00:00")):
        _release(ctx, qp, lot, "qualified_person")


# --- the four products -------------------------------------------------------------------------------


def _pd1(ctx, consignees) -> None:
    product = ctx.loader.products["pd1"]
    suzhou = ctx.site("suzhou", "Xinghu Suzhou Drug Substance Plant")
    qilan = ctx.site("qilan", "Qilan Zhangjiang Drug Product Plant")
    seg = _chain(
        ctx,
        product,
        "suzhou-ra",
        [
            _seg("WCB", "cell_bank", "工作细胞库", "Working cell bank", suzhou, ["DS"]),
            _seg("DS", "drug_substance", "原液", "Drug substance", suzhou, ["DP"]),
            _seg("DP", "drug_product", "制剂（灌装）", "Drug product (fill-finish)", qilan),
        ],
        "原液在江苏苏州生产，制剂在上海张江受托生产。",
    )
    wcb = _lot(ctx, "suzhou-qa", seg["WCB"], "XH-WCB-2601", 50, "vial", "2026-01-15", "2036-01-14")
    ds1 = _make(
        ctx, "suzhou-qa", seg["DS"], "manufacture", "XH-DS-2608-01", 200, "L", "2026-08-05", "2029-08-04", [(wcb, 1)]
    )
    ds2 = _make(
        ctx, "suzhou-qa", seg["DS"], "manufacture", "XH-DS-2608-02", 200, "L", "2026-08-19", "2029-08-18", [(wcb, 1)]
    )
    sh = _ship(
        ctx, "suzhou-qa", "SHP-XH-2609-001", suzhou, [(ds1, 200), (ds2, 120)], "2026-09-01T01:00:00", to_site=qilan
    )
    _log(ctx, "suzhou-qa", sh, "XH-2609-001-logger.csv", logger_csv(at("2026-09-01T01:00:00"), 8))
    _receive(ctx, "shcdmo-qa", sh, "2026-09-01T09:30:00")
    dp1 = _make(
        ctx, "shcdmo-qa", seg["DP"], "fill", "QL-DP-2609-01", 20000, "vial", "2026-09-10", "2028-09-09", [(ds1, 100)]
    )
    _make(
        ctx,
        "shcdmo-qa",
        seg["DP"],
        "fill",
        "QL-DP-2609-02",
        40000,
        "vial",
        "2026-09-22",
        "2028-09-21",
        [(ds1, 100), (ds2, 120)],
    )
    for lot, issued in ((wcb, "2026-02-10"), (ds1, "2026-08-25"), (ds2, "2026-08-28")):
        _qp_release(ctx, "suzhou-qa", "suzhou-qp", lot, issued)
    _qp_release(ctx, "shcdmo-qa", "suzhou-qp", dp1, "2026-10-08", cmo_qa="shcdmo-qa")
    for ref, region, qty, when in (
        ("SHP-QL-2610-001", "110000", 6000, "2026-10-15T02:00:00"),
        ("SHP-QL-2610-002", "440000", 4000, "2026-10-16T02:00:00"),
    ):
        shipment = _ship(ctx, "shcdmo-qa", ref, qilan, [(dp1, qty)], when, consignee=consignees[region])
        _receive(ctx, "shcdmo-qa", shipment, when.replace("T02", "T20"))


def _adc(ctx) -> None:
    product = ctx.loader.products["adc"]
    zifeng = ctx.site("zifeng", "Zifeng Jiangning Antibody Intermediate Plant")
    rheinau = ctx.site("rheinau", "Rheinau Pratteln Linker-Payload Plant")
    fengpu = ctx.site("fengpu", "Fengpu Conjugation and Aseptic Fill Plant")
    seg = _chain(
        ctx,
        product,
        "nanjing-ra",
        [
            _seg("MAB", "antibody_intermediate", "抗体中间体", "Antibody intermediate", zifeng, ["ADC"]),
            _seg("LP", "linker_payload", "连接子-载荷（vc-MMAE）", "Linker-payload (vc-MMAE)", rheinau, ["ADC"]),
            _seg("ADC", "conjugation", "偶联原液", "Conjugated drug substance", fengpu, ["FILL"]),
            _seg("FILL", "fill", "无菌灌装及冻干", "Aseptic fill and lyophilisation", fengpu),
        ],
        "抗体中间体（江苏南京）与连接子-载荷（瑞士）在上海奉贤偶联并灌装。",
    )
    mab = _lot(ctx, "nanjing-qa", seg["MAB"], "ZF-MAB-2607-01", 60, "L", "2026-07-08", "2028-07-07")
    lp = _lot(ctx, "swiss-qa", seg["LP"], "RB-LP-2607-01", 2, "kg", "2026-07-14", "2029-07-13")
    _qp_release(ctx, "nanjing-qa", "nanjing-qp", mab, "2026-07-28")
    _qp_release(ctx, "swiss-qa", "nanjing-qp", lp, "2026-07-30", cmo_qa="swiss-qa")
    s1 = _ship(ctx, "nanjing-qa", "SHP-ZF-2608-001", zifeng, [(mab, 60)], "2026-08-03T00:30:00", to_site=fengpu)
    _log(ctx, "nanjing-qa", s1, "ZF-2608-001-logger.csv", logger_csv(at("2026-08-03T00:30:00"), 6))
    _receive(ctx, "shadc-qa", s1, "2026-08-03T07:00:00")
    s2 = _ship(ctx, "swiss-qa", "SHP-RB-2608-001", rheinau, [(lp, 2)], "2026-08-04T06:00:00", to_site=fengpu)
    _log(ctx, "swiss-qa", s2, "RB-2608-001-logger.csv", logger_csv(at("2026-08-04T06:00:00"), 30, base=5.0))
    _receive(ctx, "shadc-qa", s2, "2026-08-05T13:00:00")
    conj = _make(
        ctx,
        "shadc-qa",
        seg["ADC"],
        "manufacture",
        "FP-ADC-2608-01",
        40,
        "L",
        "2026-08-12",
        "2028-08-11",
        [(mab, 30), (lp, 1)],
    )
    _make(
        ctx, "shadc-qa", seg["FILL"], "fill", "FP-FILL-2608-01", 12000, "vial", "2026-08-20", "2028-08-19", [(conj, 36)]
    )


def _pcv13(ctx) -> None:
    product = ctx.loader.products["pcv13"]
    daxing = ctx.site("yongding", "Yongding Daxing Vaccine Drug Substance Site")
    taihang = ctx.site("taihang", "Taihang Shijiazhuang Vaccine Formulation Plant")
    segments = [
        _seg(
            f"DS-ST{st}",
            "component_ds",
            f"{st}型肺炎球菌多糖-CRM197结合物原液",
            f"Serotype {st} polysaccharide-CRM197 conjugate",
            daxing,
            ["FORM"],
        )
        for st in PCV13_SEROTYPES
    ]
    segments.append(_seg("FORM", "formulation", "配制及预灌封", "Formulation and prefilled-syringe fill", taihang))
    seg = _chain(ctx, product, "beijing-ra", segments, "13个血清型结合物原液在北京大兴生产，在河北石家庄配制灌装。")
    ds = []
    for i, st in enumerate(PCV13_SEROTYPES):
        made = (d("2026-06-01") + dt.timedelta(days=3 * i)).isoformat()
        ds.append(_lot(ctx, "beijing-qa", seg[f"DS-ST{st}"], f"YD-ST{st}-2606", 12, "L", made, "2028-05-31"))
    for lot in ds:
        _qp_release(ctx, "beijing-qa", "beijing-qp", lot, "2026-07-20")
    sh = _ship(
        ctx, "beijing-qa", "SHP-YD-2608-001", daxing, [(lot, 12) for lot in ds], "2026-08-06T00:00:00", to_site=taihang
    )
    _log(ctx, "beijing-qa", sh, "YD-2608-001-logger.csv", logger_csv(at("2026-08-06T00:00:00"), 5))
    _receive(ctx, "hebei-qa", sh, "2026-08-06T05:30:00")
    vaccine = _make(
        ctx,
        "hebei-qa",
        seg["FORM"],
        "blend",
        "TH-PCV13-2608-01",
        50000,
        "syringe",
        "2026-08-18",
        "2028-08-17",
        [(lot, 2) for lot in ds],
    )
    _qp_release(ctx, "hebei-qa", "beijing-qp", vaccine, "2026-09-25", cmo_qa="hebei-qa")


def _glp1(ctx) -> None:
    product = ctx.loader.products["glp1"]
    hangzhou = ctx.site("qiantang", "Qiantang Hangzhou Peptide Drug Substance Plant")
    taizhou = ctx.site("heyuan", "Heyuan Taizhou Drug Product Plant")
    seg = _chain(
        ctx,
        product,
        "hangzhou-ra",
        [
            _seg("DS", "drug_substance", "多肽原液", "Peptide drug substance", hangzhou, ["DP"]),
            _seg("DP", "drug_product", "注射笔制剂", "Pen injector drug product", taizhou),
        ],
        "原液（杭州）与制剂（台州）均在浙江省内。",
    )
    ds1 = _lot(ctx, "hangzhou-qa", seg["DS"], "QT-DS-2609-01", 5, "kg", "2026-09-02", "2028-09-01")
    ds2 = _lot(ctx, "hangzhou-qa", seg["DS"], "QT-DS-2610-01", 5, "kg", "2026-10-12", "2028-10-11")
    _qp_release(ctx, "hangzhou-qa", "hangzhou-qp", ds1, "2026-09-16")
    s1 = _ship(ctx, "hangzhou-qa", "SHP-QT-2609-001", hangzhou, [(ds1, 5)], "2026-09-18T01:00:00", to_site=taizhou)
    _log(ctx, "hangzhou-qa", s1, "QT-2609-001-logger.csv", logger_csv(at("2026-09-18T01:00:00"), 4))
    _receive(ctx, "taizhou-qa", s1, "2026-09-18T05:00:00")
    _make(ctx, "taizhou-qa", seg["DP"], "fill", "HY-DP-2609-01", 30000, "pack", "2026-09-25", "2028-09-24", [(ds1, 2)])
    # the second DS shipment: the logger shows 45 minutes at 11.5 °C — an excursion awaiting assessment
    s2 = _ship(ctx, "hangzhou-qa", "SHP-QT-2611-001", hangzhou, [(ds2, 5)], "2026-11-20T01:00:00", to_site=taizhou)
    _receive(ctx, "taizhou-qa", s2, "2026-11-20T05:00:00")
    _log(
        ctx,
        "taizhou-qa",
        s2,
        "QT-2611-001-logger.csv",
        logger_csv(at("2026-11-20T01:00:00"), 4, spike=(6, 3, 11.5)),
    )
