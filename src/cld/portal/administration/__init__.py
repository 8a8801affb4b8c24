"""Administration: the audit log, users and roles, and policy edits."""
