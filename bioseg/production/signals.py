"""What production tells the layers above it, in the writing transaction (receivers write in it too, so a
refusal of theirs undoes the whole act).

- ``certificate_recorded(sender=CertificateOfAnalysis, certificate, actor, failing)`` — a certificate of analysis
  was recorded; ``failing`` lists its out-of-specification ``CertificateResult`` rows (empty when all pass). The
  quality system opens an OOS investigation for each failing result (GMP 2010 Art. 238; 质量协议指南 §(六)).
- ``recall_started(sender=RecallAction, recall, lot_ids, actor)`` — a recall was signed; ``lot_ids`` are every lot
  it reaches. The quality system notifies the regulators of every province the recall touches (药品召回管理办法).
"""

from __future__ import annotations

from django.dispatch import Signal

certificate_recorded = Signal()
recall_started = Signal()
