"""The kiosk application: holds the station, the devices, the language and who is logged in,
and logs the operator out after IDLE_LOGOUT_SECONDS without a key or a touch. A device not yet
provisioned starts on the Alta screen instead of Inicio.
"""

from __future__ import annotations

import logging
import time
from pathlib import Path

from textual import events
from textual.app import App
from textual.binding import Binding

from kiosk import operators
from kiosk.station import Station
from tui.hardware import Hardware
from tui.logbook import RecentLines
from tui.messages import t

log = logging.getLogger(__name__)


class KioskApp(App):
    """Apoyo Kiosk. `lang` is "es" or "en" (F2 switches)."""

    TITLE = "Apoyo Kiosk"
    CSS_PATH = "screens/common.tcss"
    BINDINGS = [Binding("f2", "toggle_lang", "Idioma / Language", priority=True)]

    def __init__(self, station: Station | None, hardware: Hardware, *, lang: str = "es",
                 idle_seconds: float = operators.IDLE_LOGOUT_SECONDS, data_root: Path | None = None) -> None:
        super().__init__()
        if station is None and data_root is None:
            raise ValueError("a device not provisioned yet needs its data_root")
        self.station: Station | None = station
        self.data_root = Path(data_root) if data_root is not None else station.data.root  # type: ignore[union-attr]
        self.hardware = hardware
        self.lang = lang
        self.idle_seconds = idle_seconds
        self.operator: str | None = None
        self.last_activity = time.monotonic()
        self.recent_log = RecentLines()

    def t(self, code: str, **params: object) -> str:
        return t(code, self.lang, **params)

    def on_mount(self) -> None:
        from tui.screens.alta import AltaScreen
        from tui.screens.inicio import InicioScreen

        logging.getLogger().addHandler(self.recent_log)
        self.push_screen(InicioScreen() if self.station is not None else AltaScreen())
        self.call_after_refresh(self.hardware.open_in_background, self._devices_opened)
        self.set_interval(min(5.0, self.idle_seconds / 2), self.logout_if_idle)

    def _devices_opened(self) -> None:
        """In the opening thread: show a device that did not open now, not at the next refresh."""
        if self.hardware.problems:
            try:
                self.call_from_thread(self._refresh_status)
            except RuntimeError:  # the app ended while the devices were opening
                pass

    def _refresh_status(self) -> None:
        update = getattr(self.screen, "update_status", None)
        if update is not None:
            update()

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
        if self.operator and self.station is not None:
            self.station.vault.audit("operator_logout", {"auxiliar_id": self.operator})
        self.operator = None
        self.show_home()

    def show_home(self) -> None:
        """Inicio with nothing above it, drawn again (after a logout or an enrollment)."""
        from tui.screens.inicio import InicioScreen

        while len(self.screen_stack) > 2 and not isinstance(self.screen, InicioScreen):
            self.pop_screen()
        if isinstance(self.screen, InicioScreen):
            self.screen.refresh(recompose=True)
        else:
            self.switch_screen(InicioScreen())

    def replace_station(self, station: Station | None) -> None:
        """Swap the open station (re-provisioning closes the old vault before its files go)."""
        old, self.station = self.station, station
        if old is not None and old is not station:
            old.close()

    def operator_name(self) -> str:
        config = self.station.config()
        aux = config.roster.get(self.operator or "") if config else None
        return f"{aux.nombres} {aux.apellido_paterno}".strip() if aux else (self.operator or "")

    def action_toggle_lang(self) -> None:
        self.lang = "en" if self.lang == "es" else "es"
        for screen in self.screen_stack[1:]:
            screen.refresh(recompose=True)

    async def action_quit(self) -> None:
        """Ctrl+Q (and Ctrl+C) ask first, in the kiosk's language: a capture in progress is lost."""
        from tui.screens.confirm import ConfirmScreen

        if isinstance(self.screen, ConfirmScreen):
            return
        choices = [("s", self.t("quit_yes"), "quit"), ("n", self.t("quit_no"), "stay")]
        self.push_screen(ConfirmScreen(self.t("quit_q"), choices),
                         lambda value: self.exit() if value == "quit" else None)

    async def action_help_quit(self) -> None:
        await self.action_quit()

    def on_unmount(self) -> None:
        logging.getLogger().removeHandler(self.recent_log)
        self.hardware.close()
