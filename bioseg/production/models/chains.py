"""Process chains: versioned DAGs of segments, each made at one site."""

from __future__ import annotations

from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from bioseg.audit.models import RegulatedModel
from bioseg.production.models.querysets import ChainQuerySet, SegmentQuerySet
from bioseg.registry.models import Product, Site


class Stage(models.TextChoices):
    CELL_BANK = "cell_bank", _("Cell bank")
    RAW_MATERIAL = "raw_material", _("Raw material")
    DRUG_SUBSTANCE = "drug_substance", _("Drug substance")
    DRUG_PRODUCT = "drug_product", _("Drug product")
    PACKAGING = "packaging", _("Packaging")
    ANTIBODY_INTERMEDIATE = "antibody_intermediate", _("Antibody intermediate")
    LINKER_PAYLOAD = "linker_payload", _("Linker-payload")
    CONJUGATION = "conjugation", _("Conjugation")
    FILL = "fill", _("Fill")
    COMPONENT_DS = "component_ds", _("Component drug substance")
    FORMULATION = "formulation", _("Formulation")


class ProcessChain(RegulatedModel):
    """One version of a product's segmented process chain, effective from/until (both inclusive)."""

    product = models.ForeignKey(Product, on_delete=models.PROTECT, related_name="process_chains")
    version = models.PositiveIntegerField(_("version"))
    effective_from = models.DateField(_("effective from"))
    effective_until = models.DateField(_("effective until"), null=True, blank=True)
    note = models.TextField(_("note"), blank=True, default="")

    objects = ChainQuerySet.as_manager()

    class Meta:
        ordering = ["product_id", "version"]
        constraints = [
            models.UniqueConstraint(fields=["product", "version"], name="uniq_chain_product_version"),
            models.CheckConstraint(
                condition=Q(effective_until__isnull=True) | Q(effective_until__gte=F("effective_from")),
                name="chain_period_in_order",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.product} v{self.version}"


class Segment(RegulatedModel):
    """A step of a chain made at one site. ``code`` names the material it makes (stable across chain
    versions: e.g. ``DS``, ``DS-ST3``, ``DP``); ``feeds`` (through ``SegmentFeed``) makes the chain a DAG."""

    chain = models.ForeignKey(ProcessChain, on_delete=models.PROTECT, related_name="segments")
    position = models.PositiveIntegerField(_("position"))
    code = models.CharField(_("code"), max_length=40)
    stage = models.CharField(_("stage"), max_length=30, choices=Stage.choices)
    name_zh = models.CharField(_("name (Chinese)"), max_length=200)
    name_en = models.CharField(_("name (English)"), max_length=200)
    site = models.ForeignKey(Site, on_delete=models.PROTECT, related_name="segments")
    feeds = models.ManyToManyField(
        "self", through="SegmentFeed", symmetrical=False, related_name="fed_by", through_fields=("source", "target")
    )

    objects = SegmentQuerySet.as_manager()

    class Meta:
        ordering = ["chain_id", "position"]
        constraints = [
            models.UniqueConstraint(fields=["chain", "code"], name="uniq_segment_code_per_chain"),
            models.UniqueConstraint(fields=["chain", "position"], name="uniq_segment_position_per_chain"),
        ]

    def __str__(self) -> str:
        return f"{self.code} ({self.name_en})"

    def display_name(self, language: str | None) -> str:
        return self.name_zh if (language or "").startswith("zh") else self.name_en


class SegmentFeed(RegulatedModel):
    """``source`` feeds ``target`` (both in the same chain)."""

    source = models.ForeignKey(Segment, on_delete=models.PROTECT, related_name="feed_links")
    target = models.ForeignKey(Segment, on_delete=models.PROTECT, related_name="fed_by_links")

    class Meta:
        constraints = [models.UniqueConstraint(fields=["source", "target"], name="uniq_segment_feed")]
