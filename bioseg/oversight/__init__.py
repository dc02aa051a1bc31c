"""Supervision: inspections, sampling, findings, risk ratings and inspection plans (issue 11).

A domain app above the quality system (a finding raises a CAPA); it arrives with the supervision issue."""
