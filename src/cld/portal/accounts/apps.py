from __future__ import annotations

from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "cld.portal.accounts"
    label = "accounts"
    verbose_name = "Accounts"

    def ready(self) -> None:
        from cld.portal.accounts import signals  # noqa: F401  (connects receivers)
