from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from bioseg.accounts.models import Organisation
from bioseg.audit.models import RegulatedModel
from bioseg.common.scoping import ScopedQuerySet


class Activity(models.TextChoices):
    DRUG_SUBSTANCE = "drug_substance", _("Drug substance")
    DRUG_PRODUCT = "drug_product", _("Drug product")
    FILL_FINISH = "fill_finish", _("Fill-finish")
    PACKAGING = "packaging", _("Packaging")
    TESTING = "testing", _("Testing")
    STORAGE = "storage", _("Storage")


class Category(models.TextChoices):
    ANTIBODY = "antibody", _("Antibody")
    ADC = "adc", _("Antibody-drug conjugate")
    GLP1 = "glp1", _("GLP-1 product")
    INSULIN = "insulin", _("Insulin")
    VACCINE_COMBINATION = "vaccine_combination", _("Combination vaccine")
    VACCINE_MULTIVALENT = "vaccine_multivalent", _("Multivalent vaccine")
    VACCINE = "vaccine", _("Other vaccine")
    BLOOD_PRODUCT = "blood_product", _("Blood product")
    CELL_GENE_THERAPY = "cell_gene_therapy", _("Cell/gene therapy")
    OTHER_BIOLOGIC = "other_biologic", _("Other biologic")
    CHEMICAL_DRUG = "chemical_drug", _("Chemical drug")


class Origin(models.TextChoices):
    ORIGINALLY_DEVELOPED = "originally_developed", _("Originally developed")
    LICENSED_IN = "licensed_in", _("Licensed in")
    CO_DEVELOPED = "co_developed", _("Co-developed")


# --- who sees which row (see ``bioseg.registry.scope`` and ``bioseg.common.scoping``) -------------------------


class EnterpriseQuerySet(ScopedQuerySet):
    def provincial_q(self, scope):
        with_site = Site.objects.filter(region_code=scope.region_code).values("enterprise_id")
        return Q(region_code=scope.region_code) | Q(id__in=with_site)

    def enterprise_q(self, scope):
        return Q(id__in=scope.visible_enterprise_ids)


class SiteQuerySet(ScopedQuerySet):
    def provincial_q(self, scope):
        return Q(region_code=scope.region_code)

    def enterprise_q(self, scope):
        return Q(enterprise_id__in=scope.visible_enterprise_ids)


class ProductQuerySet(ScopedQuerySet):
    def provincial_q(self, scope):
        """Held by an enterprise registered or with a site in the province, or made there by a contract
        manufacturer under a quality agreement."""
        r = scope.region_code
        holders = Enterprise.objects.restrict(scope).values("id")
        cmo_here = Site.objects.filter(region_code=r).values("enterprise_id")
        made_here = QualityAgreementProduct.objects.filter(agreement__contract_manufacturer_id__in=cmo_here).values(
            "product_id"
        )
        return Q(holder_id__in=holders) | Q(id__in=made_here)

    def enterprise_q(self, scope):
        return Q(id__in=scope.product_ids)


class EnterpriseRecordQuerySet(ScopedQuerySet):
    """Rows that belong to an enterprise (licences, personnel): visible with their enterprise."""

    enterprise_path = "enterprise_id"

    def provincial_q(self, scope):
        return Q(**{f"{self.enterprise_path}__in": Enterprise.objects.restrict(scope).values("id")})

    def enterprise_q(self, scope):
        return Q(**{f"{self.enterprise_path}__in": scope.visible_enterprise_ids})


class QualificationQuerySet(EnterpriseRecordQuerySet):
    enterprise_path = "person__enterprise_id"


class GmpRecordQuerySet(ScopedQuerySet):
    def provincial_q(self, scope):
        return Q(site__region_code=scope.region_code)

    def enterprise_q(self, scope):
        return Q(site__enterprise_id__in=scope.visible_enterprise_ids)


class QualityAgreementQuerySet(ScopedQuerySet):
    def provincial_q(self, scope):
        seen = Enterprise.objects.restrict(scope).values("id")
        return Q(holder_id__in=seen) | Q(contract_manufacturer_id__in=seen)

    def enterprise_q(self, scope):
        own = scope.enterprise_ids
        return Q(holder_id__in=own) | Q(contract_manufacturer_id__in=own)

    def in_force(self, on_date):
        from bioseg.registry.scope import agreements_in_force_q

        return self.filter(agreements_in_force_q(on_date))


class Enterprise(RegulatedModel):
    organisation = models.OneToOneField(
        Organisation, on_delete=models.PROTECT, related_name="enterprise", null=True, blank=True
    )
    name_zh = models.CharField(_("name (Chinese)"), max_length=200)
    name_en = models.CharField(_("name (English)"), max_length=200)
    credit_code = models.CharField(_("unified social credit code"), max_length=18, null=True, blank=True, unique=True)
    domestic = models.BooleanField(_("domestic"), default=True)
    country_code = models.CharField(_("country"), max_length=2, default="CN")
    region_code = models.CharField(_("province"), max_length=6, blank=True, default="", db_index=True)
    is_holder = models.BooleanField(_("holder (MAH)"), default=False)
    is_contract_manufacturer = models.BooleanField(_("contract manufacturer"), default=False)
    is_testing_laboratory = models.BooleanField(_("testing laboratory"), default=False)
    is_logistics_provider = models.BooleanField(_("logistics provider"), default=False)

    objects = EnterpriseQuerySet.as_manager()

    class Meta:
        ordering = ["name_en"]
        constraints = [models.UniqueConstraint(fields=["name_en"], name="uniq_enterprise_name_en")]

    def __str__(self) -> str:
        return self.name_en

    @property
    def roles(self) -> list[str]:
        flags = {
            "holder": self.is_holder,
            "contract_manufacturer": self.is_contract_manufacturer,
            "testing_laboratory": self.is_testing_laboratory,
            "logistics_provider": self.is_logistics_provider,
        }
        return [k for k, v in flags.items() if v]


class Site(RegulatedModel):
    enterprise = models.ForeignKey(Enterprise, on_delete=models.PROTECT, related_name="sites")
    name_zh = models.CharField(_("name (Chinese)"), max_length=200)
    name_en = models.CharField(_("name (English)"), max_length=200)
    address = models.CharField(_("address"), max_length=300)
    country_code = models.CharField(_("country"), max_length=2, default="CN")
    region_code = models.CharField(_("province"), max_length=6, blank=True, default="", db_index=True)
    activities = models.CharField(_("activities"), max_length=200, default="")  # comma-separated Activity codes

    objects = SiteQuerySet.as_manager()

    class Meta:
        ordering = ["name_en"]
        constraints = [models.UniqueConstraint(fields=["enterprise", "name_en"], name="uniq_site_name_per_ent")]

    def __str__(self) -> str:
        return self.name_en

    @property
    def activity_list(self) -> list[str]:
        return [a for a in self.activities.split(",") if a]


class LicenceClass(models.TextChoices):
    A = "A", _("A — holder manufacturing itself")
    B = "B", _("B — holder entrusting manufacture")
    C = "C", _("C — contract manufacturer")
    D = "D", _("D — drug substance (API) manufacturer")


class ManufacturingLicence(RegulatedModel):
    enterprise = models.ForeignKey(Enterprise, on_delete=models.PROTECT, related_name="licences")
    number = models.CharField(_("licence number"), max_length=40, unique=True)
    licence_class = models.CharField(_("class"), max_length=2, choices=LicenceClass.choices)
    scope = models.TextField(_("scope"))
    valid_from = models.DateField(_("valid from"))
    valid_until = models.DateField(_("valid until"))

    objects = EnterpriseRecordQuerySet.as_manager()

    class Meta:
        ordering = ["number"]


class GmpOutcome(models.TextChoices):
    COMPLIANT = "compliant", _("Compliant")
    NON_COMPLIANT = "non_compliant", _("Non-compliant")


class GmpRecord(RegulatedModel):
    site = models.ForeignKey(Site, on_delete=models.PROTECT, related_name="gmp_records")
    inspected_on = models.DateField(_("inspected on"))
    authority_region_code = models.CharField(_("inspecting authority (province)"), max_length=6, blank=True)
    scope = models.TextField(_("scope"))
    outcome = models.CharField(_("outcome"), max_length=20, choices=GmpOutcome.choices)
    reference = models.CharField(_("reference"), max_length=60, blank=True, default="")

    objects = GmpRecordQuerySet.as_manager()

    class Meta:
        ordering = ["-inspected_on"]


class Product(RegulatedModel):
    holder = models.ForeignKey(Enterprise, on_delete=models.PROTECT, related_name="products")
    name_zh = models.CharField(_("name (Chinese)"), max_length=200)
    name_en = models.CharField(_("name (English)"), max_length=200)
    approval_number = models.CharField(_("approval number"), max_length=20, null=True, blank=True, unique=True)
    category = models.CharField(_("category"), max_length=30, choices=Category.choices)
    innovative = models.BooleanField(_("innovative"), default=False)
    urgent_clinical_need = models.BooleanField(_("urgent clinical need"), default=False)
    nmpa_specified = models.BooleanField(_("specified by NMPA"), default=False)
    origin = models.CharField(_("origin"), max_length=30, choices=Origin.choices, blank=True, default="")
    storage_min_c = models.DecimalField(_("storage min (°C)"), max_digits=5, decimal_places=1, null=True, blank=True)
    storage_max_c = models.DecimalField(_("storage max (°C)"), max_digits=5, decimal_places=1, null=True, blank=True)

    objects = ProductQuerySet.as_manager()

    class Meta:
        ordering = ["name_en"]
        constraints = [models.UniqueConstraint(fields=["holder", "name_en"], name="uniq_product_name_per_holder")]

    def __str__(self) -> str:
        return self.name_en

    @property
    def storage_label(self) -> str:
        if self.storage_min_c is None or self.storage_max_c is None:
            return ""

        def fmt(value) -> str:
            text = format(value.normalize(), "f") if hasattr(value, "normalize") else f"{value:g}"
            return text.replace("-", "−")

        return f"{fmt(self.storage_min_c)} to {fmt(self.storage_max_c)} °C"


class PersonRole(models.TextChoices):
    QUALIFIED_PERSON = "qualified_person", _("Qualified person")
    QA = "qa", _("QA")
    QC = "qc", _("QC")
    PRODUCTION_HEAD = "production_head", _("Head of production")
    QUALITY_HEAD = "quality_head", _("Head of quality")
    TECHNICAL = "technical", _("Technical staff")


class Person(RegulatedModel):
    enterprise = models.ForeignKey(Enterprise, on_delete=models.PROTECT, related_name="personnel")
    name = models.CharField(_("name"), max_length=100)
    name_en = models.CharField(_("name (English)"), max_length=100, blank=True, default="")
    roles = models.CharField(_("roles"), max_length=200, default="")  # comma-separated PersonRole codes
    email = models.EmailField(_("email"), blank=True, default="")

    objects = EnterpriseRecordQuerySet.as_manager()

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    @property
    def role_list(self) -> list[str]:
        return [r for r in self.roles.split(",") if r]


class Qualification(RegulatedModel):
    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="qualifications")
    kind = models.CharField(_("qualification"), max_length=100)
    number = models.CharField(_("certificate number"), max_length=60, blank=True, default="")
    valid_from = models.DateField(_("valid from"))
    valid_until = models.DateField(_("valid until"), null=True, blank=True)

    objects = QualificationQuerySet.as_manager()

    class Meta:
        ordering = ["-valid_from"]


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

    objects = QualityAgreementQuerySet.as_manager()

    class Meta:
        db_table = "quality_qualityagreement"  # the table keeps its name: its audit history is under it
        ordering = ["reference"]

    def __str__(self) -> str:
        return self.reference


class QualityAgreementProduct(RegulatedModel):
    agreement = models.ForeignKey(QualityAgreement, on_delete=models.PROTECT, related_name="product_links")
    product = models.ForeignKey(Product, on_delete=models.PROTECT, related_name="agreement_links")

    class Meta:
        db_table = "quality_qualityagreementproduct"
        constraints = [models.UniqueConstraint(fields=["agreement", "product"], name="uniq_agreement_product")]
