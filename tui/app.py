"""The kiosk application: holds the station, the devices, the language and who is logged in,
and logs the operator out after IDLE_LOGOUT_SECONDS without a key or a touch.
"""

from __future__ import annotations

import logging
import time

from textual import events
from textual.app import App
from textual.binding import Binding

from kiosk import operators
from kiosk.station import Station
from tui.hardware import Hardware
from tui.messages import t

log = logging.getLogger(__name__)


class KioskApp(App):
    """Apoyo Kiosk. `lang` is "es" or "en" (F2 switches)."""

    TITLE = "Apoyo Kiosk"
    CSS_PATH = "screens/common.tcss"
    BINDINGS = [Binding("f2", "toggle_lang", "Idioma / Language", priority=True)]

    def __init__(self, station: Station, hardware: Hardware, *, lang: str = "es",
                 idle_seconds: float = operators.IDLE_LOGOUT_SECONDS) -> None:
        super().__init__()
        self.station = station
        self.hardware = hardware
        self.lang = lang
        self.idle_seconds = idle_seconds
        self.operator: str | None = None
        self.last_activity = time.monotonic()

    def t(self, code: str, **params: object) -> str:
        return t(code, self.lang, **params)

    def on_mount(self) -> None:
        from tui.screens.inicio import InicioScreen

        self.push_screen(InicioScreen())
        self.set_interval(min(5.0, self.idle_seconds / 2), self.logout_if_idle)

    async def on_event(self, event: events.Event) -> None:
        if isinstance(event, (events.Key, events.MouseDown)):
            self.last_activity = time.monotonic()
        await super().on_event(event)

    def logout_if_idle(self) -> None:
        if self.operator and time.monotonic() - self.last_activity > self.idle_seconds:
            log.info("idle logout of %s", self.operator)
            self.logout()
            self.notify(self.t("logged_out_idle"), timeout=10)

    def login(self, auxiliar_id: str) -> None:
        self.operator = auxiliar_id
        self.last_activity = time.monotonic()

    def logout(self) -> None:
        """Forget the operator and any capture in progress; back to Inicio."""
        from tui.screens.inicio import InicioScreen

        if self.operator:
            self.station.vault.audit("operator_logout", {"auxiliar_id": self.operator})
        self.operator = None
        while len(self.screen_stack) > 2 and not isinstance(self.screen, InicioScreen):
            self.pop_screen()
        self.screen.refresh(recompose=True)

    def operator_name(self) -> str:
        config = self.station.config()
        aux = config.roster.get(self.operator or "") if config else None
        return f"{aux.nombres} {aux.apellido_paterno}".strip() if aux else (self.operator or "")

    def action_toggle_lang(self) -> None:
        self.lang = "en" if self.lang == "es" else "es"
        for screen in self.screen_stack[1:]:
            screen.refresh(recompose=True)

    def on_unmount(self) -> None:
        self.hardware.close()
