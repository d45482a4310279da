"""Técnico, behind its own password: the device's enrollment (and enrolling it again), a sync
pass on demand, doctor results, device tests (a live camera preview in the terminal, the pad, the
scanner, the receipt printer), the tail of the audit log and the logs."""

from __future__ import annotations

import json
from datetime import datetime, timezone

from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Grid, Horizontal, Vertical, VerticalScroll
from textual.widgets import Button, Input, Static

from drivers.errors import DeviceError
from kiosk import operators
from kiosk.devices import device_message
from kiosk.doctor import check_disk, run_checks
from kiosk.receipt import printer_test_lines
from tui.images import ImageView
from tui.kioskcli import run_kiosk
from tui.logbook import journal_tail
from tui.messages import clock, when
from tui.screens.base import KioskScreen


class TecnicoScreen(KioskScreen):
    CSS_PATH = "tecnico.tcss"
    KEYS = {"d": "doctor-run", "v": "preview-toggle", "f": "pad", "e": "scan", "a": "alta-again",
            "n": "sync-now", "l": "logs-show", "p": "printer", "escape": "back"}

    def __init__(self) -> None:
        super().__init__()
        self.unlocked = False
        self.previewing = False
        self.report = ""

    def compose(self) -> ComposeResult:
        yield Static(self.t("tech_title"), classes="title")
        if self.kiosk.station is None:  # the vault is closed while this kiosk is enrolled again
            yield Static(self.t("busy"))
            return
        if not self.unlocked:
            first = not operators.tech_password_set(self.kiosk.station.vault)
            with Vertical(id="form"):
                yield Static(self.t("tech_set_password" if first else "tech_password"))
                yield Input(password=True, id="pw1")
                if first:
                    yield Input(password=True, id="pw2")
                yield Static(id="message")
            with Horizontal(classes="buttons"):
                yield Button(self.t("btn_enter"), id="enter", variant="primary")
                yield Button(self.t("back"), id="back")
            return
        with Horizontal(id="panes"):
            with VerticalScroll(id="left"):
                yield Static(self.t("alta_block"), classes="subtitle")
                yield Static(self._identity(), id="identity")
                yield Static(self.t("doctor_title"), classes="subtitle")
                yield Static(self.report, id="doctor")
                yield Static(self.t("audit_title"), classes="subtitle")
                yield Static(self._audit(), id="audit")
                yield Static(id="logs")
            yield ImageView(id="preview")
        yield Static(id="tool-result")
        with Grid(classes="buttons", id="tools"):
            yield Button(self.t("btn_doctor"), id="doctor-run", compact=True, variant="primary")
            yield Button(self.t("btn_preview"), id="preview-toggle", compact=True)
            yield Button(self.t("btn_pad_test"), id="pad", compact=True)
            yield Button(self.t("btn_scan_test"), id="scan", compact=True)
            yield Button(self.t("btn_sync_now"), id="sync-now", compact=True)
            yield Button(self.t("btn_alta_again"), id="alta-again", compact=True)
            yield Button(self.t("btn_logs"), id="logs-show", compact=True)
            if self.kiosk.hardware.printer is not None:
                yield Button(self.t("btn_printer_test"), id="printer", compact=True)
            yield Button(self.t("back"), id="back", compact=True)

    def on_mount(self) -> None:
        if self.query(Input):
            self.query(Input).first().focus()
        self.set_interval(0.5, self._preview_tick)

    def _tell(self, line: str, kind: str = "hint") -> None:
        """The last tool's result, on a line that is always in view (and in the report)."""
        if self.query("#tool-result"):
            box = self.query_one("#tool-result", Static)
            box.update(line)
            box.set_classes(kind)

    def _identity(self) -> str:
        station = self.kiosk.station
        identity = station.identity
        config = station.config()
        where = "—" if identity.lat is None or identity.lon is None else f"{identity.lat}, {identity.lon}"
        process = f"{config.process.process_id} {config.process.name}" if config else "—"
        return self.t("alta_identity", device=station.device_id, url=identity.receiver_url,
                      municipio=identity.municipio or "—", where=where, process=process)

    def _detail_key(self, key: str) -> str:
        label = self.t("dk_" + key)
        return key if label == "dk_" + key else label

    def _detail_value(self, key: str, value: object) -> str:
        label = self.t(f"dv_{key}_{value}")
        return str(value) if label == f"dv_{key}_{value}" else label

    def _audit(self) -> Table:
        table = Table(box=None, expand=True, header_style="bold")
        table.add_column(self.t("col_time"), no_wrap=True, style="dim", min_width=16)
        table.add_column(self.t("col_event"), no_wrap=True)
        table.add_column(self.t("col_detail"), no_wrap=True, overflow="ellipsis", ratio=1)
        for entry in self.kiosk.station.vault.audit_tail(12):
            detail = ", ".join(f"{self._detail_key(k)}={self._detail_value(k, v)}" for k, v in entry["detail"].items())
            event = entry["event"]
            label = self.t("ev_" + event)
            table.add_row(clock(entry["at"]), event if label == "ev_" + event else label, detail)
        return table

    def on_input_submitted(self, event: Input.Submitted) -> None:
        self.next_field_or_press(event, "#enter")

    def on_button_pressed(self, event: Button.Pressed) -> None:
        action = event.button.id
        if action == "back":
            self.previewing = False
            self.app.pop_screen()
        elif action == "enter":
            self._unlock()
        elif action == "doctor-run":
            self._doctor()
        elif action == "preview-toggle":
            self.previewing = not self.previewing
            self.query_one("#preview").display = self.previewing
        elif action == "alta-again":
            from tui.screens.alta import AltaScreen

            self.previewing = False
            self.app.push_screen(AltaScreen(again=True))
        elif action == "sync-now":
            self._sync_now()
        elif action == "logs-show":
            self._show_logs()
        elif action == "pad":
            self._device_test("pad")
        elif action == "scan":
            self._device_test("scan")
        elif action == "printer":
            self._device_test("printer")

    def _unlock(self) -> None:
        vault = self.kiosk.station.vault
        pw1 = self.query_one("#pw1", Input)
        try:
            if self.query("#pw2"):
                operators.validate_new_password(pw1.value, self.query_one("#pw2", Input).value)
                operators.set_tech_password(vault, pw1.value)
            else:
                operators.tech_login(vault, pw1.value)
        except operators.AccessDenied as denied:
            pw1.value = ""
            message = self.query_one("#message", Static)
            message.update(denied.message(self.kiosk.lang))
            message.set_classes("error")
            return
        self.unlocked = True
        self.refresh(recompose=True)

    def _doctor(self) -> None:
        self.query_one("#doctor", Static).update(self.t("doctor_waiting"))
        self._tell(self.t("doctor_waiting"), "warning")
        hardware = self.kiosk.hardware
        data_root = self.kiosk.station.data.root

        def work() -> None:
            checks = run_checks(hardware.cfg, [lambda: check_disk(data_root)])
            lines = [f"{self.t('check_ok' if c.ok else 'check_bad')} {self.component(c.name)}: {c.detail}" for c in checks]
            bad = sum(1 for c in checks if not c.ok)
            self.app.call_from_thread(self._show_report, "\n".join(lines))
            self.app.call_from_thread(self._tell, self.t("doctor_done", ok=len(checks) - bad, bad=bad),
                                      "ok" if not bad else "error")

        self.run_worker(work, thread=True, exclusive=True, group="tech")

    def component(self, name: str) -> str:
        label = self.t("comp_" + name)
        return name if label == "comp_" + name else label

    def _sync_now(self) -> None:
        """One pass of `kiosk sync --once` (configuration, then the queue), beside the daemon."""
        self._tell(self.t("sync_waiting"), "warning")
        root = self.kiosk.data_root

        def work() -> None:
            result = run_kiosk(root, "sync", "--once")
            try:
                summary = json.loads(result.stdout.strip().splitlines()[-1])
            except (ValueError, IndexError):
                summary = None
            if summary is None:
                line = self.t("sync_failed", reason=result.error or "?")
            else:
                line = self.t("sync_result", **{k: summary.get(k, 0) for k in ("uploaded", "acknowledged", "quarantined")})
                if summary.get("errors"):
                    line += "\n" + self.t("sync_failed", reason=summary["errors"][-1])
            self.app.call_from_thread(self._show_report, (self.report + "\n" + line).strip())
            self.app.call_from_thread(self._tell, line, "ok" if summary is not None and not summary.get("errors") else "error")

        self.run_worker(work, thread=True, exclusive=True, group="sync")

    def _show_logs(self) -> None:
        """This UI's recent log lines, then the journal of the kiosk's services (read in a
        worker: journalctl can be slow on an SD card)."""
        box = self.query_one("#logs", Static)
        box.update(self.t("busy"))
        session = self.kiosk.recent_log.tail(15)

        def work() -> None:
            journal, problem = journal_tail(20)
            parts = [self.t("logs_session"), *(session or [self.t("nothing")]), "", self.t("logs_journal"),
                     *(journal or [problem])]
            self.app.call_from_thread(self._fill_logs, "\n".join(parts))

        self.run_worker(work, thread=True, exclusive=True, group="logs")

    def _fill_logs(self, text: str) -> None:
        if self.query("#logs"):
            box = self.query_one("#logs", Static)
            box.update(Text(text, no_wrap=True, overflow="ellipsis"))
            self.call_after_refresh(box.scroll_visible, top=True, animate=False)

    def _show_report(self, report: str) -> None:
        self.report = report
        if self.kiosk.station is None or not self.query("#doctor"):
            return
        self.query_one("#doctor", Static).update(report)
        self.query_one("#identity", Static).update(self._identity())
        self.query_one("#audit", Static).update(self._audit())

    def _device_test(self, which: str) -> None:
        self._tell(self.t({"pad": "pad_waiting", "printer": "printer_waiting"}.get(which, "scan_waiting")), "warning")
        hardware = self.kiosk.hardware
        device_id = self.kiosk.station.device_id if self.kiosk.station is not None else ""

        def work() -> None:
            try:
                if which == "pad":
                    trajectory = hardware.read_signature(timeout=20)
                    line = self.t("pad_ok", n=len(trajectory.get("points", [])))
                elif which == "printer":
                    hardware.print_receipt(printer_test_lines(device_id, when(datetime.now(timezone.utc)),
                                                              self.kiosk.lang))
                    line = self.t("printer_ok")
                else:
                    pages = hardware.scan()
                    h, w = pages[0].shape[:2]
                    line = self.t("scan_ok", n=len(pages), w=w, h=h)
                    self.app.call_from_thread(self._show_picture, pages[0])
                kind = "ok"
            except DeviceError as error:
                line, kind = self.t("check_bad") + " " + device_message(error, self.kiosk.lang), "error"
            self.app.call_from_thread(self._show_report, (self.report + "\n" + line).strip())
            self.app.call_from_thread(self._tell, line, kind)

        self.run_worker(work, thread=True, group="tech")

    def _show_picture(self, image) -> None:  # noqa: ANN001 - a BGR page or frame
        preview = self.query_one("#preview", ImageView)
        preview.display = True
        preview.show(image)

    def _preview_tick(self) -> None:
        if not (self.unlocked and self.previewing):
            return
        try:
            frame = self.kiosk.hardware.capture("preview")
        except DeviceError as error:
            self.previewing = False
            self._show_report((self.report + "\n" + device_message(error, self.kiosk.lang)).strip())
            return
        self.query_one("#preview", ImageView).show(frame)
