"""GS1 EPCIS 2.0 on the Django side: GS1 identifier mappings (``mappings``), export of a lot's genealogy (``export``), capture (``capture``).

The pure part (building and validating documents, hash IDs, identifiers) is ``bioseg.epcis``;
this module feeds it from the database and stores what it accepts.

- ``gs1_trade_item_create`` / ``gs1_location_create`` — the GTIN of a product's material, the GLN of a site
  or consignee (``models.epcis``); the demo's identifiers (GS1 prefix 952) are made by ``bioseg.demo.epcis``.
- ``epcis_export_lot(scope=, lot_id=)`` — the lot's genealogy, upstream and downstream (``lot_trace`` both
  ways), and its movements as an ``EPCISDocument``:

  * every transformation that made a lot of the genealogy → a ``TransformationEvent`` (manufacture, blend,
    fill, rework; all its inputs and outputs, even those outside the genealogy, so the event — and its
    hash ID — is the same whichever lot is exported); a manufacture without inputs (a cell bank) is a
    commissioning ``ObjectEvent``;
  * every shipment that carried one of its lots → a shipping ``ObjectEvent`` and, once received, a
    receiving one with the temperature-logger readings as ``sensorElementList`` (readings outside the
    storage range of every product on board flagged ``ALARM_CONDITION``);
  * release and status changes → ``ObjectEvent``\\ s with the disposition of ``epcis.vocab``: contract
    manufacturer QA release (``qa_released``) and qualified-person release (``released``) from the release
    records; rejection, hold, recall and the return to ``released`` when a hold is lifted from the audit
    trail of the lot's status (time and reason as recorded).

  Times are in the site's zone (UTC+08:00 in China, UTC elsewhere); a transformation's date is exported
  as 00:00 that day. Units map to UN/ECE Rec. 20 (``L``→LTR, ``mL``→MLT, ``kg``→KGM, ``g``→GRM,
  ``mg``→MGM, countable units → H87). What the trace shows is what is exported (the same scope rules).
  A product material without a GTIN or a place without a GLN refuses the export, listing everything that
  is missing (``epcis_identifiers_missing``, 409).
- ``epcis_capture(actor=, document=, reason=)`` — validates the whole document against GS1's schema,
  computes the CBV 2.0 hash IDs, refuses events already stored (one ``IN`` query) or repeated, and stores
  the events in one transaction, linking each to the lots its LGTINs name. Rows are written with
  ``COPY … FROM STDIN`` on PostgreSQL and ``executemany`` on SQLite (not ``bulk_create``: building model
  instances cost as much as the inserts); the row triggers fire as for any insert. An invalid document is
  refused whole and nothing is written, not even an audit row.
"""

from bioseg.production.epcis.capture import CaptureOutcome, epcis_capture
from bioseg.production.epcis.export import epcis_export_lot
from bioseg.production.epcis.mappings import gs1_location_create, gs1_trade_item_create

__all__ = ["CaptureOutcome", "epcis_capture", "epcis_export_lot", "gs1_location_create", "gs1_trade_item_create"]
