"""EPCIS 2.0 / CBV 2.0 vocabulary, the JSON-LD context bioseg writes, and bioseg's own extension terms.

Choices (documented here because they are what other parties will read in our documents):

* **Manufacture, blending, fill, rework** are ``TransformationEvent``\\ s with bizStep ``commissioning``:
  CBV 2.0 defines it as "associating a class-level identifier, not previously used, with one or more
  objects" and gives "one hundred bottles of a particular batch of pharmaceutical product are produced" as
  its example — every transformation creates a new lot (LGTIN). CBV has no "blending" step; the kind of
  transformation travels in the extension field ``bioseg:transformationKind``.
* **Dispositions** for lot status (CBV 2.0 definitions in quotes):

  ============== ============ =========================== ==========================================
  lot status     bizStep      disposition                 why
  ============== ============ =========================== ==========================================
  quarantine     commissioning non_sellable_other         "not sellable pending further evaluation"
  qa_released    inspecting   conformant                  "outcome of a successful/passed inspection"
                                                          (contract manufacturer's QA release of a
                                                          segment; not yet to market)
  released       inspecting   sellable_not_accessible     "can be sold as is, but customer cannot
                                                          access" (QP release to market, in store)
  rejected       inspecting   non_conformant              "outcome of an unsuccessful/failed inspection"
  on_hold        holding      non_sellable_other          holding = "segregated for further review"
  recalled       holding      recalled                    "non-sellable because of public safety"
  ============== ============ =========================== ==========================================

  ``active`` is not used: CBV reserves it for a freshly commissioned (serialised) object. CBV 2.0 has no
  ``on_hold`` disposition.
* **Shipping**: bizStep ``shipping``, disposition ``in_transit``; **receiving**: ``receiving``,
  ``in_progress`` (as the issue asks; CBV notes that omitting it is also acceptable).
* **Temperature** readings are ``sensorReport`` entries of type ``Temperature`` — the JSON-LD compact form
  of ``gs1:Temperature`` that the official GS1 examples use (the CBV hash algorithm and the GS1 reference
  hash generator agree on it; the CURIE spelling ``gs1:Temperature`` is accepted on capture) — with ``uom``
  ``CEL``.
"""

from __future__ import annotations

#: The JSON-LD context of EPCIS 2.0 as ratified (the URL the official examples use).
EPCIS_CONTEXT_URL = "https://ref.gs1.org/standards/epcis/2.0.0/epcis-context.jsonld"

#: bioseg's extension namespace. It only has to be unique and stable (it is part of every event hash
#: of events that carry bioseg extension fields), not resolvable: ``.invalid`` is reserved (RFC 2606).
BIOSEG_NS = "https://bioseg.invalid/ns/epcis/"
BIOSEG_PREFIX = "bioseg"

CBV = "https://ref.gs1.org/cbv/"
GS1_VOC = "https://gs1.org/voc/"

BIZ_STEPS = frozenset(
    """accepting arriving assembling collecting commissioning consigning creating_class_instance cycle_counting
    decommissioning departing destroying disassembling dispensing encoding entering_exiting holding inspecting
    installing killing loading other packing picking receiving removing repackaging repairing replacing
    reserving retail_selling sampling sensor_reporting shipping staging_outbound stock_taking stocking storing
    transporting unloading unpacking void_shipping""".split()
)
DISPOSITIONS = frozenset(
    """active available completeness_inferred completeness_verified conformant container_closed container_open
    damaged destroyed dispensed disposed encoded expired in_progress in_transit inactive mismatch_class
    mismatch_instance mismatch_quantity needs_replacement no_pedigree_match non_conformant non_sellable_other
    partially_dispensed recalled reserved retail_sold returned sellable_accessible sellable_not_accessible
    stolen unavailable unknown""".split()
)
BIZ_TRANSACTION_TYPES = frozenset(
    "bol cert desadv inv pedigree po poc prodorder recadv rma testprd testres upevt".split()
)
SOURCE_DEST_TYPES = frozenset({"owning_party", "possessing_party", "location"})
ERROR_REASONS = frozenset({"did_not_occur", "incorrect_data"})
SENSOR_ALERTS = frozenset({"ALARM_CONDITION", "ERROR_CONDITION"})
COMPONENTS = frozenset(
    """x y z axial_distance azimuth height spherical_radius polar_angle elevation_angle easting northing
    latitude longitude altitude""".split()
)
MEASUREMENT_TYPES = frozenset(
    """AbsoluteHumidity AbsorbedDose AbsorbedDoseRate Acceleration Altitude AmountOfSubstance
    AmountOfSubstancePerUnitVolume Angle AngularAcceleration AngularMomentum AngularVelocity Area Capacitance
    Conductance Conductivity Count Density Dimensionless DoseEquivalent DoseEquivalentRate DynamicViscosity
    ElectricCharge ElectricCurrent ElectricCurrentDensity ElectricFieldStrength Energy Exposure Force Frequency
    Illuminance Inductance Irradiance KinematicViscosity Length LinearMomentum Luminance LuminousFlux
    LuminousIntensity MagneticFlux MagneticFluxDensity MagneticVectorPotential Mass MassConcentration
    MassFlowRate MassPerAreaTime MemoryCapacity MolalityOfSolute MolarEnergy MolarMass MolarVolume Power
    Pressure RadiantFlux RadiantIntensity Radioactivity RelativeHumidity Resistance Resistivity SolidAngle
    SpecificVolume Speed SurfaceDensity SurfaceTension Temperature Time Torque Voltage Volume VolumeFlowRate
    VolumeFraction VolumetricFlux Wavenumber""".split()
)

#: How the EPCIS 2.0 JSON-LD context expands a bare word, per field: field -> (terms, IRI prefix).
VOCAB_EXPANSION: dict[str, tuple[frozenset[str], str]] = {
    "bizStep": (BIZ_STEPS, CBV + "BizStep-"),
    "disposition": (DISPOSITIONS, CBV + "Disp-"),
    "set": (DISPOSITIONS, CBV + "Disp-"),
    "unset": (DISPOSITIONS, CBV + "Disp-"),
    "bizTransactionType": (BIZ_TRANSACTION_TYPES, CBV + "BTT-"),
    "sourceDestType": (SOURCE_DEST_TYPES, CBV + "SDT-"),
    "reason": (ERROR_REASONS, CBV + "ER-"),
    "measurementType": (MEASUREMENT_TYPES, GS1_VOC),
    "exception": (SENSOR_ALERTS, GS1_VOC),
    "component": (COMPONENTS, CBV + "Comp-"),
}

#: Legacy CBV 1.x URNs and their CBV 2.0 web-vocabulary equivalents.
LEGACY_CBV_PREFIXES = (
    ("urn:epcglobal:cbv:bizstep:", CBV + "BizStep-"),
    ("urn:epcglobal:cbv:disp:", CBV + "Disp-"),
    ("urn:epcglobal:cbv:btt:", CBV + "BTT-"),
    ("urn:epcglobal:cbv:sdt:", CBV + "SDT-"),
    ("urn:epcglobal:cbv:er:", CBV + "ER-"),
)


def expand_vocab(field: str, value: str) -> str:
    """Full IRI of a CBV/GS1 vocabulary value written as a bare word, a CURIE or a legacy URN."""
    terms, prefix = VOCAB_EXPANSION[field]
    if value in terms:
        return prefix + value
    if value.startswith("cbv:"):
        return CBV + value[4:]
    if value.startswith("gs1:"):
        return GS1_VOC + value[4:]
    for legacy, modern in LEGACY_CBV_PREFIXES:
        if value.startswith(legacy):
            return modern + value[len(legacy) :]
    return value


# --- lot status <-> (bizStep, disposition) -----------------------------------------------------------------

LOT_STATUS_EVENTS: dict[str, tuple[str, str]] = {
    "quarantine": ("commissioning", "non_sellable_other"),
    "qa_released": ("inspecting", "conformant"),
    "released": ("inspecting", "sellable_not_accessible"),
    "rejected": ("inspecting", "non_conformant"),
    "on_hold": ("holding", "non_sellable_other"),
    "recalled": ("holding", "recalled"),
}
LOT_STATUSES = tuple(LOT_STATUS_EVENTS)

TRANSFORMATION_KINDS = ("manufacture", "blending", "fill", "rework")

#: bioseg extension field names (compact form; the document context maps ``bioseg:`` to ``BIOSEG_NS``).
EXT_TRANSFORMATION_KIND = "bioseg:transformationKind"
EXT_RECORD_ID = "bioseg:recordID"
EXT_SHIPMENT_ID = "bioseg:shipmentID"
EXT_LOT_STATUS = "bioseg:lotStatus"
EXT_REASON = "bioseg:reason"
