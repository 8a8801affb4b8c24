"""The JSON API under ``/api/v1/`` for authorities that automate their
submissions: Bearer tokens, the same roles and audit as the pages."""
