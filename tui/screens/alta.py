"""Alta: enroll this kiosk with the receiver (a device not yet provisioned starts here), or enroll
it again from Técnico. The work is `kiosk provision`, run as a command (tui.kioskcli): the token
travels in its environment, never on a command line another user could read.
"""

from __future__ import annotations

import logging

from textual.app import ComposeResult
from textual.containers import Horizontal, VerticalScroll
from textual.widgets import Button, Input, Static

from kiosk.errors import KioskError, NotProvisioned
from kiosk.messages import text as core_text
from kiosk.station import open_station
from tui.kioskcli import run_kiosk
from tui.screens.base import KioskScreen

FIELDS = ("receiver", "token", "municipio", "lat", "lon")
log = logging.getLogger(__name__)


class AltaScreen(KioskScreen):
    CSS_PATH = "alta.tcss"
    KEYS = {"escape": "back"}

    def __init__(self, again: bool = False) -> None:
        super().__init__()
        self.again = again
        self.working = False

    def compose(self) -> ComposeResult:
        identity = self.kiosk.station.identity if self.kiosk.station is not None else None
        defaults = {
            "receiver": identity.receiver_url if identity else "",
            "municipio": identity.municipio if identity else "",
            "lat": "" if identity is None or identity.lat is None else str(identity.lat),
            "lon": "" if identity is None or identity.lon is None else str(identity.lon),
        }
        yield Static(self.t("alta_title"), classes="title")
        with VerticalScroll(id="alta-form"):
            yield Static(self.t("alta_again_intro" if self.again else "alta_intro"),
                         classes="warning" if self.again else "", id="intro")
            for name in FIELDS:
                with Horizontal(classes="row"):
                    yield Static(self.t(f"alta_{name}"), classes="label")
                    yield Input(defaults.get(name, ""), id=name, password=name == "token")
        yield Static(id="alta-message")
        with Horizontal(classes="buttons"):
            yield Button(self.t("btn_alta"), id="enroll", variant="primary")
            if self.kiosk.station is not None:
                yield Button(self.t("back"), id="back")

    def on_mount(self) -> None:
        first_empty = next((i for i in self.query(Input) if not i.value), self.query(Input).first())
        first_empty.focus()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        self.next_field_or_press(event, "#enroll")

    def on_button_pressed(self, event: Button.Pressed) -> None:
        if event.button.id == "back" and not self.working:
            self.app.pop_screen()
        elif event.button.id == "enroll" and not self.working:
            self._enroll()

    def _say(self, message: str, kind: str = "error") -> None:
        box = self.query_one("#alta-message", Static)
        box.update(message)
        box.set_classes(kind)

    def _enroll(self) -> None:
        values = {name: self.query_one(f"#{name}", Input).value.strip() for name in FIELDS}
        if not values["receiver"] or not values["token"]:
            self._say(self.t("alta_missing"))
            return
        try:
            for name in ("lat", "lon"):
                if values[name]:
                    float(values[name])
        except ValueError:
            self._say(self.t("alta_bad_coords"))
            return
        station = self.kiosk.station
        if station is not None:
            pending = station.records_without_acuse()
            if pending:
                self._say(core_text("pending_records", self.kiosk.lang, count=pending))
                return
        args = ["provision", "--receiver", values["receiver"]]
        for name in ("municipio", "lat", "lon"):
            if values[name]:
                args += [f"--{name}", values[name]]
        if station is not None:
            args.append("--force")
            self.kiosk.operator = None
            self.kiosk.replace_station(None)  # the vault is closed before its files are replaced
        self.working = True
        self.query_one("#enroll", Button).disabled = True
        self._say(self.t("alta_working"), "hint")
        root = self.kiosk.data_root
        token = values["token"]

        def work() -> None:
            result = run_kiosk(root, *args, env={"APOYO_KIOSK_TOKEN": token})
            error = result.error
            try:
                reopened = open_station(root)
            except NotProvisioned:
                reopened = None
            except KioskError as broken:  # e.g. the vault key does not open the vault
                log.error("after provisioning the station does not open: %s", broken.code)
                reopened, error = None, str(broken)
            self.app.call_from_thread(self._finished, result.ok and reopened is not None, error, reopened)

        self.run_worker(work, thread=True, exclusive=True, group="alta")

    def _finished(self, ok: bool, error: str, station) -> None:  # noqa: ANN001
        self.working = False
        self.kiosk.replace_station(station)
        if ok and station is not None:
            self.kiosk.notify(self.t("alta_done", device=station.device_id), timeout=10)
            self.kiosk.show_home()
            return
        self.query_one("#token", Input).value = ""
        self.query_one("#enroll", Button).disabled = False
        self._say(self.t("alta_failed", reason=error or "?"))
        if station is None:  # nothing to go back to: this is now a first enrollment
            self.again = False
            for button in self.query("#back").results(Button):
                button.remove()
