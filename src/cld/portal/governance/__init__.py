"""Governance pages: an authority's agreements (sign, withdraw), its DPIA and
draft, and the IG reviewer's approvals."""
