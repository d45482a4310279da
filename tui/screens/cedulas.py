"""Cédulas en papel: scan a page, confirm it row by row beside the row's crop (kiosk.cedula's
confirmation model), choose the tipo de inconsistencia, save; or bulk-import a CSV (all or nothing)."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.widgets import Button, Input, Select, Static

from drivers.errors import DeviceError
from kiosk.cedula.bulk import plan_import
from kiosk.cedula.confirm import ConfirmationError, PageConfirmation
from kiosk.cedula.page import TEXT_COLUMNS, read_page
from kiosk.devices import device_message
from kiosk.domain import Inconsistencia
from kiosk.errors import BatchRefused, KioskError
from tui.images import ImageView
from tui.screens.base import KioskScreen

LABELS = {"nombres": "ced_nombres", "apellido_paterno": "ced_paterno", "apellido_materno": "ced_materno",
          "clave_elector": "ced_clave"}


class CedulasScreen(KioskScreen):
    CSS_PATH = "cedulas.tcss"
    KEYS = {"escape": "back"}

    def __init__(self) -> None:
        super().__init__()
        self.page: PageConfirmation | None = None
        self.busy = False
        self.error = ""
        self.result = ""

    def compose(self) -> ComposeResult:
        yield Static(self.t("ced_title"), classes="title")
        row = self.page.current() if self.page else None
        if self.busy:
            yield Static(self.t("busy"), classes="warning")
        elif self.page is None:
            yield Static(self.t("ced_intro"), classes="instruction")
            yield Static(self.result, id="result", classes="ok" if self.result else "")
            yield Static(self.t("ced_bulk_intro"), classes="instruction")
            with Horizontal(id="bulk"):
                yield Input(placeholder=self.t("ced_csv"), id="csv")
                yield Button(self.t("btn_import"), id="import")
        elif row is not None:
            yield Static(f"{self.t('ced_row', no=row.no)} — {self.t('ced_folio')}: {self.page.folio or '—'}",
                         classes="subtitle", id="row-title")
            yield ImageView(row.reading.crop_png or None, id="crop")
            with Horizontal(id="row-form"):
                with Vertical():
                    if not self.page.folio:
                        yield Input(placeholder=self.t("ced_folio"), id="folio")
                    for name in TEXT_COLUMNS:
                        yield Input(row.values[name], placeholder=self.t(LABELS[name]), id=f"f-{name}",
                                    tooltip=self.t(LABELS[name]))
                with Vertical():
                    if row.flags:
                        yield Static(self.t("ced_flags", flags=", ".join(row.flags)), classes="warning")
                    options = [(self.t("ced_none"), "none")] + [(i.value, i.value) for i in Inconsistencia]
                    suggested = row.suggested_inconsistencia
                    yield Select(options, value=suggested.value if suggested else "none", allow_blank=False,
                                 id="inconsistencia", prompt=self.t("ced_inconsistencia"))
                    yield Input(placeholder=self.t("ced_comment"), id="comentario")
        else:
            ready = sum(1 for r in self.page.rows if r.state.value == "lista")
            yield Static(self.t("ced_done", ready=ready, discarded=len(self.page.rows) - ready), classes="ok")
            if not self.page.rows:
                yield Static(self.t("ced_no_rows"), classes="warning")
        yield Static(self.error, id="error", classes="error" if self.error else "")
        with Horizontal(classes="buttons"):
            if self.busy:
                pass
            elif self.page is None:
                yield Button(self.t("btn_scan"), id="scan", variant="primary")
            elif row is not None:
                yield Button(self.t("btn_confirm_row"), id="confirm", variant="success")
                yield Button(self.t("btn_discard_row"), id="discard", variant="warning")
            else:
                yield Button(self.t("btn_save_page"), id="save", variant="success")
            yield Button(self.t("back"), id="back")

    def rebuild(self) -> None:
        self.call_later(self._rebuild)

    async def _rebuild(self) -> None:
        await self.recompose()
        focusable = list(self.query(Input)) or list(self.query(Button))
        if focusable:
            focusable[0].focus()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        action = event.button.id
        self.error = ""
        if action == "back":
            self.app.pop_screen()
            return
        if action == "scan":
            self._scan()
            return
        if action == "import":
            self._import()
        if action == "confirm":
            self._confirm()
        elif action == "discard" and self.page and self.page.current():
            self.page.current().discard()  # type: ignore[union-attr]
        elif action == "save":
            self._save()
        self.rebuild()

    def _scan(self) -> None:
        self.busy, self.result = True, ""
        self.rebuild()
        station = self.kiosk.station
        hardware = self.kiosk.hardware

        def work() -> None:
            try:
                image = hardware.scan()[0]
                reading = read_page(image)
            except DeviceError as error:
                self.app.call_from_thread(self._scanned, None, device_message(error, self.kiosk.lang))
                return
            config = station.config()
            process_id = config.process.process_id if config else ""
            page = PageConfirmation(reading, process_id, station.fingerprint_key(),
                                    lambda fp: station.clave_seen(fp, process_id))
            self.app.call_from_thread(self._scanned, page, "")

        self.run_worker(work, thread=True, exclusive=True)

    def _scanned(self, page: PageConfirmation | None, error: str) -> None:
        self.busy, self.page, self.error = False, page, error
        self.rebuild()

    def _confirm(self) -> None:
        page = self.page
        row = page.current() if page else None
        if page is None or row is None:
            return
        try:
            if self.query("#folio"):
                page.set_folio(self.query_one("#folio", Input).value)
                page.confirm_folio()
            for name in TEXT_COLUMNS:
                value = self.query_one(f"#f-{name}", Input).value
                if value.strip() != (row.values[name] or "").strip():
                    row.correct(name, value)
            page.confirm(row)
            chosen = self.query_one("#inconsistencia", Select).value
            page.choose(row, None if chosen == "none" else Inconsistencia(str(chosen)),
                        self.query_one("#comentario", Input).value)
        except ConfirmationError as refused:
            self.error = str(refused)

    def _import(self) -> None:
        """Bulk import (all or nothing): every row is checked before any is saved."""
        path = self.query_one("#csv", Input).value.strip()
        if not path:
            return
        station = self.kiosk.station
        config = station.config()
        if config is None:
            self.error = self.t("warn_no_process")
            return
        plan = plan_import(path, config.process.process_id, seen=station.clave_seen, key=station.fingerprint_key())
        if plan.problems or not plan.valid_rows:
            shown = [str(p) for p in plan.problems[:8]] or [self.t("ced_no_rows")]
            self.error = self.t("ced_import_refused", count=len(plan.problems)) + "\n" + "\n".join(shown)
            return
        try:
            saved = len(station.save_manual_all(plan.valid_rows, self.kiosk.operator))
        except BatchRefused as refused:  # all rows or none: the vault is as it was
            line = plan.valid_lines[refused.index]
            self.error = self.t("ced_import_rolled_back", row=line, reason=refused.message(self.kiosk.lang))
            return
        self.result = self.t("ced_imported", saved=saved, total=plan.total_rows)

    def _save(self) -> None:
        assert self.page is not None
        problems, saved = [], 0
        try:
            records = self.page.records()
        except ConfirmationError as refused:
            self.error = str(refused)
            return
        for record in records:
            try:
                self.kiosk.station.save_manual(record, self.kiosk.operator)
                saved += 1
            except KioskError as refused:
                problems.append(f"{record.numero_referencia}: {refused.message(self.kiosk.lang)}")
        self.result = self.t("ced_saved", n=saved)
        if problems:
            self.result += "\n" + self.t("ced_problems", problems="; ".join(problems))
        self.page = None


