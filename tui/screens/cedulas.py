"""Cédulas en papel: scan a page, confirm it row by row beside the row's crop (kiosk.cedula's
confirmation model), choose the tipo de inconsistencia, save; or bulk-import a CSV (all or nothing)."""

from __future__ import annotations

from textual.actions import SkipAction
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.widgets import Button, Input, LoadingIndicator, Select, Static

from drivers.errors import DeviceError
from kiosk.cedula.bulk import plan_import
from kiosk.cedula.confirm import ConfirmationError, PageConfirmation
from kiosk.cedula.page import TEXT_COLUMNS, read_page
from kiosk.devices import device_message
from kiosk.domain import Inconsistencia
from kiosk.errors import BatchRefused, KioskError
from tui.images import ImageView, decode, folded
from tui.screens.base import KioskScreen

LABELS = {"nombres": "ced_nombres", "apellido_paterno": "ced_paterno", "apellido_materno": "ced_materno",
          "clave_elector": "ced_clave"}
# Keys that put the cursor in one field of the row (to correct it); Enter there goes back to (A).
FIELD_KEYS = {"1": "f-nombres", "2": "f-apellido_paterno", "3": "f-apellido_materno", "4": "f-clave_elector",
              "f": "folio", "c": "comentario", "t": "inconsistencia"}


class CedulasScreen(KioskScreen):
    CSS_PATH = "cedulas.tcss"
    KEYS = {"e": "scan", "i": "import", "a": "confirm", "d": "discard", "g": "save", "escape": "back"}
    BINDINGS = [Binding(key, f"edit({target!r})", show=False, priority=True) for key, target in FIELD_KEYS.items()]

    def __init__(self) -> None:
        super().__init__()
        self.page: PageConfirmation | None = None
        self.folio_confirmed = False
        self.busy = False
        self.error = ""
        self.result = ""

    def compose(self) -> ComposeResult:
        yield Static(self.t("ced_title"), classes="title")
        row = self.page.current() if self.page else None
        if self.busy:
            yield LoadingIndicator(id="working")
            yield Static(self.t("ced_scanning"), classes="warning", id="busy")
        elif self.page is None:
            yield Static(self.t("ced_intro"), classes="instruction")
            yield Static(self.result, id="result", classes="ok" if self.result else "")
            yield Static(self.t("ced_bulk_intro"), classes="instruction")
            with Horizontal(id="bulk"):
                yield Static(self.t("ced_csv") + ":", classes="label")
                yield Input(id="csv", compact=True)
        elif row is not None:
            yield from self._compose_row(self.page, row)
        else:
            ready = sum(1 for r in self.page.rows if r.state.value == "lista")
            yield Static(self.t("ced_done", ready=ready, discarded=len(self.page.rows) - ready), classes="ok", id="done")
            if not self.page.rows:
                yield Static(self.t("ced_no_rows"), classes="warning")
        yield Static(self.error, id="error", classes="error" if self.error else "")
        with Horizontal(classes="buttons"):
            if self.busy:
                pass
            elif self.page is None:
                yield Button(self.t("btn_scan"), id="scan", variant="primary")
                yield Button(self.t("btn_import"), id="import")
            elif row is not None:
                yield Button(self.t("btn_confirm_row"), id="confirm", variant="success")
                yield Button(self.t("btn_discard_row"), id="discard", variant="warning")
            else:
                yield Button(self.t("btn_save_page"), id="save", variant="success")
            yield Button(self.t("back"), id="back")

    def _compose_row(self, page: PageConfirmation, row) -> ComposeResult:  # noqa: ANN001 - a RowConfirmation
        position = page.rows.index(row) + 1
        yield Static(self.t("ced_row_of", pos=position, total=len(page.rows), no=row.no)
                     + (f"   {self.t('ced_folio')}: {page.folio}" if self.folio_confirmed else ""),
                     classes="subtitle", id="row-title")
        yield ImageView(folded(decode(row.reading.crop_png)), id="crop")
        with Vertical(id="row-form"):
            if not self.folio_confirmed:
                folio = page.reading.folio
                note = (self.t("ced_folio_read", pct=round(100 * folio.confidence)) if folio.value
                        else self.t("ced_folio_not_read"))
                with Horizontal(classes="field"):
                    yield Static(f"(F) {self.t('ced_folio')}", classes="label")
                    yield Input(page.folio or "", id="folio", compact=True)
                    yield Static(note, classes="note warning" if not folio.value or folio.confidence < 0.6 else "note hint")
            for i, name in enumerate(TEXT_COLUMNS):
                with Horizontal(classes="field"):
                    yield Static(f"({i + 1}) {self.t(LABELS[name])}", classes="label")
                    yield Input(row.values[name], id=f"f-{name}", compact=True)
            with Horizontal(classes="field"):
                yield Static(f"(T) {self.t('ced_inconsistencia')}", classes="label")
                options = [(self.t("ced_none"), "none")] + [(self.t("inc_" + i.value), i.value) for i in Inconsistencia]
                suggested = row.suggested_inconsistencia
                yield Select(options, value=suggested.value if suggested else "none", allow_blank=False,
                             id="inconsistencia", compact=True)
            with Horizontal(classes="field"):
                yield Static(f"(C) {self.t('ced_comment')}", classes="label")
                yield Input(id="comentario", compact=True)
            if row.flags:
                yield Static(self.t("ced_flags", flags=", ".join(self.t("flag_" + f) for f in row.flags)),
                             classes="warning", id="flags")

    def rebuild(self) -> None:
        self.call_later(self._rebuild)

    async def _rebuild(self) -> None:
        await self.recompose()
        button = self.button("confirm", "save", "scan")
        if button is not None:
            button.focus()

    def action_edit(self, target: str) -> None:
        """Put the cursor in one field of the row; a letter typed in a field stays there."""
        if self.typing() or not self.query(f"#{target}"):
            raise SkipAction()
        widget = self.query_one(f"#{target}")
        widget.focus()
        if isinstance(widget, Select):
            widget.action_show_overlay()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        if event.input.id == "csv":
            self._import_and_show()
            return
        button = self.button("confirm")
        if button is not None:
            button.focus()  # corrected: (A) confirms the row from here

    def on_button_pressed(self, event: Button.Pressed) -> None:
        action = event.button.id
        self.error = ""
        if action == "back":
            self._leave()
            return
        if action == "scan":
            self._scan()
            return
        if action == "import":
            self._import_and_show()
            return
        if action == "confirm":
            self._confirm()
        elif action == "discard" and self.page and self.page.current():
            self.page.current().discard()  # type: ignore[union-attr]
        elif action == "save":
            self._save()
        self.rebuild()

    def _leave(self) -> None:
        """Esc: a page with confirmed rows is not dropped without asking."""
        page = self.page
        if page is None or self.busy:
            self.app.pop_screen()
            return
        ready = sum(1 for r in page.rows if r.state.value == "lista")
        if page.current() is None and ready:
            self.confirm(self.t("ced_leave_done_q", ready=ready),
                         [("g", self.t("ced_leave_save"), "save"), ("s", self.t("ced_leave_yes"), "leave"),
                          ("n", self.t("stay"), "stay")], self._leave_answered)
        else:
            self.confirm(self.t("ced_leave_q", ready=ready),
                         [("s", self.t("ced_leave_yes"), "leave"), ("n", self.t("stay"), "stay")], self._leave_answered)

    def _leave_answered(self, value: str) -> None:
        if value == "save":
            self._save()
            if self.page is None:
                self.app.pop_screen()
                self.app.notify(self.result, timeout=8)
            else:
                self.rebuild()
        elif value == "leave":
            self.app.pop_screen()

    def _import_and_show(self) -> None:
        if not self.query("#csv"):
            return
        if not self.query_one("#csv", Input).value.strip():
            self.query_one("#csv", Input).focus()
            self.error = self.t("ced_csv_needed")
            self.query_one("#error", Static).update(self.error)
            self.query_one("#error", Static).set_classes("warning")
            return
        self.error = ""
        self._import()
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
        self.folio_confirmed = False
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
                self.folio_confirmed = True
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


