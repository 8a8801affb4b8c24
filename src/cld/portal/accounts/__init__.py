"""Accounts: users' roles (``roles.py``), what each may do and see
(``permissions.py``), memberships and API tokens (``models.py``), the access marks
every view carries (``access.py``) and the audit of signing in and out."""
