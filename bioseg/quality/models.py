from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from bioseg.audit.models import RegulatedModel
from bioseg.registry.models import Enterprise, Product


class QualityAgreement(RegulatedModel):
    """药品委托生产质量协议: what a holder and a contract manufacturer agree for the products it covers.
    It is also what lets each party see the other's records for those products."""

    reference = models.CharField(_("reference"), max_length=60, unique=True)
    holder = models.ForeignKey(Enterprise, on_delete=models.PROTECT, related_name="agreements_as_holder")
    contract_manufacturer = models.ForeignKey(
        Enterprise, on_delete=models.PROTECT, related_name="agreements_as_contractor"
    )
    effective_from = models.DateField(_("effective from"))
    effective_until = models.DateField(_("effective until"), null=True, blank=True)

    class Meta:
        ordering = ["reference"]

    def __str__(self) -> str:
        return self.reference


class QualityAgreementProduct(RegulatedModel):
    agreement = models.ForeignKey(QualityAgreement, on_delete=models.PROTECT, related_name="product_links")
    product = models.ForeignKey(Product, on_delete=models.PROTECT, related_name="agreement_links")

    class Meta:
        constraints = [models.UniqueConstraint(fields=["agreement", "product"], name="uniq_agreement_product")]
