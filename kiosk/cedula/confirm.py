"""The operator's confirmation of a read page, row by row, as a small explicit state machine.

mostrada → (corregida) → confirmada → lista (tipo de inconsistencia chosen, or none); any row
may be descartada. Only when every row is lista or descartada does the page yield ManualRecords,
número de referencia = cédula folio + row number. Keystrokes are counted for the benchmark.
"""

from __future__ import annotations

import enum
from collections.abc import Callable
from dataclasses import dataclass, field

from kiosk.cedula.clave import cross_check, plain_name
from kiosk.cedula.dedupe import clave_fingerprint
from kiosk.cedula.messages import text
from kiosk.cedula.ocr import Field
from kiosk.cedula.page import TEXT_COLUMNS, PageReading, RowReading
from kiosk.domain import Inconsistencia, ManualRecord
from kiosk.identifiers import InvalidIdentifier


class RowState(str, enum.Enum):
    SHOWN = "mostrada"
    CORRECTED = "corregida"
    CONFIRMED = "confirmada"
    READY = "lista"
    DISCARDED = "descartada"


TRANSITIONS: dict[RowState, dict[str, RowState]] = {
    RowState.SHOWN: {"correct": RowState.CORRECTED, "confirm": RowState.CONFIRMED, "discard": RowState.DISCARDED},
    RowState.CORRECTED: {"correct": RowState.CORRECTED, "confirm": RowState.CONFIRMED,
                         "discard": RowState.DISCARDED},
    RowState.CONFIRMED: {"correct": RowState.CORRECTED, "choose": RowState.READY, "discard": RowState.DISCARDED},
    RowState.READY: {"correct": RowState.CORRECTED, "discard": RowState.DISCARDED},
    RowState.DISCARDED: {"restore": RowState.SHOWN},
}


class ConfirmationError(Exception):
    """A move the rules refuse; str() is the Spanish sentence for the operator."""

    def __init__(self, code: str, **params: object) -> None:
        self.code = code
        self.params = params
        super().__init__(text(code, **params))


@dataclass
class RowConfirmation:
    """One row under review: the reading, the operator's values, state and keystrokes spent."""

    reading: RowReading
    values: dict[str, str] = field(default_factory=dict)
    state: RowState = RowState.SHOWN
    inconsistencia: Inconsistencia | None = None
    comentario: str = ""
    corrected: set[str] = field(default_factory=set)
    keystrokes: int = 0
    fingerprint: str = ""

    def __post_init__(self) -> None:
        if not self.values:
            self.values = {name: getattr(self.reading, name).value for name in TEXT_COLUMNS}

    @property
    def no(self) -> int:
        return self.reading.no

    @property
    def flags(self) -> list[str]:
        """Flags of the current values (recomputed after every correction)."""
        flags = [f for f in self.reading.flags if f == "sin_firma"]
        v = self.values
        flags += cross_check(v["clave_elector"], v["nombres"], v["apellido_paterno"], v["apellido_materno"]).flags
        return flags

    @property
    def suggested_inconsistencia(self) -> Inconsistencia | None:
        return Inconsistencia.SIN_FIRMA if "sin_firma" in self.reading.flags else None

    def _move(self, event: str) -> None:
        nxt = TRANSITIONS[self.state].get(event)
        if nxt is None:
            raise ConfirmationError("move_not_allowed", event=event, state=self.state.value)
        self.state = nxt

    def correct(self, name: str, value: str) -> None:
        """The operator retypes a field (costs its characters plus Enter)."""
        if name not in TEXT_COLUMNS:
            raise ConfirmationError("unknown_field", field=name)
        self._move("correct")
        clean = "".join(value.split()).upper() if name == "clave_elector" else plain_name(value)
        self.values[name] = clean
        self.corrected.add(name)
        self.keystrokes += len(clean) + 1
        self.inconsistencia, self.comentario, self.fingerprint = None, "", ""

    def draft(self, numero_referencia: str, page_image: bytes = b"") -> ManualRecord:
        """The ManualRecord these values make; raises ConfirmationError with the Spanish reason."""
        try:
            return ManualRecord(numero_referencia=numero_referencia, page_image=page_image,
                                inconsistencia=self.inconsistencia, comentario=self.comentario, **self.values)
        except InvalidIdentifier as exc:
            raise ConfirmationError("record_invalid", reason=str(exc).rstrip(".")) from exc

    def discard(self) -> None:
        self._move("discard")
        self.keystrokes += 1
        self.fingerprint = ""

    def restore(self) -> None:
        self._move("restore")
        self.keystrokes += 1


class PageConfirmation:
    """All rows of one page, the cédula folio, and the duplicate check before sealing.

    `seen(fingerprint)` answers whether the vault already holds that clave in the process.
    """

    def __init__(self, reading: PageReading, process_id: str, key: bytes,
                 seen: Callable[[str], bool] = lambda fp: False) -> None:
        self.reading = reading
        self.folio = reading.folio.value
        self.process_id = process_id
        self._key = key
        self._seen = seen
        self.rows = [RowConfirmation(r) for r in reading.rows]
        self.keystrokes = 0

    def row(self, no: int) -> RowConfirmation:
        for r in self.rows:
            if r.no == no:
                return r
        raise KeyError(no)

    def current(self) -> RowConfirmation | None:
        """The first row still waiting for the operator, or None when the page is done."""
        return next((r for r in self.rows if r.state not in (RowState.READY, RowState.DISCARDED)), None)

    def set_folio(self, value: str) -> None:
        self.folio = value.strip().upper()
        self.keystrokes += len(self.folio) + 1

    def confirm_folio(self) -> None:
        if not self.folio:
            raise ConfirmationError("folio_missing")
        self.keystrokes += 1

    def add_row(self, no: int) -> RowConfirmation:
        """A row the reader judged empty but the operator sees writing in: typed from scratch."""
        blank = RowReading(no, *(Field("", 0.0) for _ in TEXT_COLUMNS))
        row = RowConfirmation(blank)
        self.rows = sorted(self.rows + [row], key=lambda r: r.no)
        return row

    def reference(self, row: RowConfirmation) -> str:
        return f"{self.folio}-{row.no:02d}"

    def confirm(self, row: RowConfirmation) -> None:
        """Accept the row's values: valid record, no duplicate in the page or the vault."""
        if not self.folio:
            raise ConfirmationError("folio_missing")
        row.draft(self.reference(row))
        fp = clave_fingerprint(self._key, self.process_id, row.values["clave_elector"])
        if any(r is not row and r.fingerprint == fp for r in self.rows):
            raise ConfirmationError("clave_duplicada")
        if self._seen(fp):
            raise ConfirmationError("clave_ya_capturada")
        row._move("confirm")
        row.fingerprint = fp
        row.keystrokes += len(TEXT_COLUMNS) - len(row.corrected)

    def choose(self, row: RowConfirmation, inconsistencia: Inconsistencia | None, comentario: str = "") -> None:
        """Set the tipo de inconsistencia (None: none); «otra» needs a comentario."""
        if inconsistencia is Inconsistencia.OTRA and not comentario.strip():
            raise ConfirmationError("otra_needs_comment")
        row._move("choose")
        row.inconsistencia, row.comentario = inconsistencia, comentario.strip()
        row.keystrokes += 1 + len(row.comentario)

    def records(self) -> list[ManualRecord]:
        """The page's ManualRecords, once every row is lista or descartada."""
        pending = [r.no for r in self.rows if r.state not in (RowState.READY, RowState.DISCARDED)]
        if pending:
            raise ConfirmationError("rows_pending", rows=", ".join(map(str, pending)))
        if not self.folio:
            raise ConfirmationError("folio_missing")
        return [r.draft(self.reference(r), self.reading.page_jpeg) for r in self.rows if r.state is RowState.READY]

    @property
    def total_keystrokes(self) -> int:
        return self.keystrokes + sum(r.keystrokes for r in self.rows)
