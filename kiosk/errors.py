"""Errors the core raises for a person to act on; each carries a message code from the catalog."""

from __future__ import annotations

from kiosk.messages import text


class KioskError(Exception):
    """An error with a catalog code; str() is the Spanish sentence for the person at the kiosk."""

    def __init__(self, code: str, **params: object) -> None:
        self.code = code
        self.params = params
        super().__init__(text(code, **params))

    def message(self, lang: str = "es") -> str:
        return text(self.code, lang=lang, **self.params)


class VaultKeyError(KioskError):
    """The vault exists but this key does not open it (or it is not a vault at all)."""


class VaultSchemaError(KioskError):
    """The vault's schema is newer than this software knows (or a migration failed)."""


class DiskFullError(KioskError):
    """Not enough free space to save a record safely."""


class NotProvisioned(KioskError):
    """The data dir has no provisioned device."""


class CaptureRefused(KioskError):
    """A capture that the rules do not allow now (period closed, auxiliar de baja, ...)."""


class BatchRefused(KioskError):
    """A batch saved all-or-none stopped at item `index` (0-based) because of `cause`; nothing of
    the batch was kept. Its message is the cause's."""

    def __init__(self, index: int, cause: KioskError) -> None:
        self.index = index
        self.cause = cause
        super().__init__(cause.code, **cause.params)
