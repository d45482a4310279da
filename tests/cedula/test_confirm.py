"""The confirmation state machine: row by row to ManualRecords, duplicates stopped before sealing."""

from __future__ import annotations

import pytest

from kiosk.cedula.confirm import TRANSITIONS, ConfirmationError, PageConfirmation, RowState
from kiosk.cedula.dedupe import clave_fingerprint
from kiosk.cedula.ocr import Field
from kiosk.cedula.page import PageReading, RowReading
from kiosk.domain import Inconsistencia, ManualRecord

KEY = bytes(range(32))


def row(no: int, nombres: str, paterno: str, materno: str, clave: str, flags=()) -> RowReading:
    return RowReading(no, Field(nombres, 0.9), Field(paterno, 0.9), Field(materno, 0.9), Field(clave, 0.4),
                      list(flags))


def page(*rows: RowReading, folio: str = "C-000777") -> PageReading:
    return PageReading(Field(folio, 0.9), list(rows), page_jpeg=b"\xff\xd8jpeg")


ROW1 = row(1, "JUAN CARLOS", "HERNANDEZ", "GARCIA", "HRGRJN82050602H900")
ROW3 = row(3, "ITZEL", "AGUILAR", "", "AGXXIT90010120M001", flags=["sin_firma"])


def test_happy_path_produces_manual_records():
    conf = PageConfirmation(page(ROW1, ROW3), "P1", KEY)
    first = conf.current()
    assert first.no == 1 and first.state is RowState.SHOWN
    conf.confirm(first)
    conf.choose(first, None)
    second = conf.current()
    assert second.no == 3 and second.suggested_inconsistencia is Inconsistencia.SIN_FIRMA
    conf.confirm(second)
    conf.choose(second, second.suggested_inconsistencia)
    assert conf.current() is None
    records = conf.records()
    assert [type(r) for r in records] == [ManualRecord, ManualRecord]
    assert [r.numero_referencia for r in records] == ["C-000777-01", "C-000777-03"]
    assert records[1].inconsistencia is Inconsistencia.SIN_FIRMA and records[1].apellido_materno == ""
    assert records[0].page_image == b"\xff\xd8jpeg"


def test_correction_recomputes_flags_and_counts_keys():
    misread = row(2, "PEDRO", "HERNANDEZ", "GARCIA", "HRGRJN82050602H900")
    conf = PageConfirmation(page(misread), "P1", KEY)
    r = conf.current()
    assert "clave_no_coincide" in r.flags
    r.correct("nombres", "juan carlos")
    assert r.state is RowState.CORRECTED and r.values["nombres"] == "JUAN CARLOS"
    assert "clave_no_coincide" not in r.flags
    conf.confirm(r)
    conf.choose(r, None)
    assert r.keystrokes == (len("JUAN CARLOS") + 1) + 3 + 1  # typed one field, Enter on three, choose


def test_otra_needs_comentario():
    conf = PageConfirmation(page(ROW1), "P1", KEY)
    r = conf.current()
    conf.confirm(r)
    with pytest.raises(ConfirmationError, match="comentario"):
        conf.choose(r, Inconsistencia.OTRA, "  ")
    assert r.state is RowState.CONFIRMED
    conf.choose(r, Inconsistencia.OTRA, "Firma distinta")
    assert conf.records()[0].comentario == "Firma distinta"


def test_moves_outside_the_table_are_refused():
    conf = PageConfirmation(page(ROW1), "P1", KEY)
    r = conf.current()
    with pytest.raises(ConfirmationError, match="No se puede"):
        conf.choose(r, None)  # must confirm first
    r.discard()
    with pytest.raises(ConfirmationError):
        conf.confirm(r)
    r.restore()
    assert r.state is RowState.SHOWN
    for state, moves in TRANSITIONS.items():
        assert moves, state
    with pytest.raises(ConfirmationError, match="Campo desconocido"):
        r.correct("telefono", "5555")


def test_invalid_values_cannot_be_confirmed():
    bad = row(4, "ROSA", "", "", "ROSA")
    conf = PageConfirmation(page(bad), "P1", KEY)
    r = conf.current()
    with pytest.raises(ConfirmationError, match="clave de elector"):
        conf.confirm(r)
    r.correct("clave_elector", "XXXXRS70010101M001")
    with pytest.raises(ConfirmationError, match="apellido"):
        conf.confirm(r)
    r.correct("apellido_paterno", "LOPEZ")
    conf.confirm(r)
    assert r.state is RowState.CONFIRMED


def test_records_wait_for_every_row_and_the_folio():
    conf = PageConfirmation(page(ROW1, ROW3, folio=""), "P1", KEY)
    with pytest.raises(ConfirmationError, match="folio"):
        conf.confirm(conf.current())
    conf.set_folio("c-000123")
    conf.confirm(conf.row(1))
    conf.choose(conf.row(1), None)
    with pytest.raises(ConfirmationError, match="3"):
        conf.records()
    conf.row(3).discard()
    assert [r.numero_referencia for r in conf.records()] == ["C-000123-01"]


def test_duplicate_clave_in_page_and_in_vault_blocked_before_sealing():
    twin = row(5, "JUAN CARLOS", "HERNANDEZ", "GARCIA", "HRGRJN82050602H900")
    conf = PageConfirmation(page(ROW1, twin), "P1", KEY)
    conf.confirm(conf.row(1))
    with pytest.raises(ConfirmationError, match="ya aparece"):
        conf.confirm(conf.row(5))
    conf.row(1).discard()  # the operator decides the first one was the mistake
    conf.confirm(conf.row(5))
    vault = {clave_fingerprint(KEY, "P1", ROW3.clave_elector.value)}
    conf2 = PageConfirmation(page(ROW3), "P1", KEY, seen=vault.__contains__)
    with pytest.raises(ConfirmationError, match="ya fue capturada"):
        conf2.confirm(conf2.current())


def test_add_row_the_reader_judged_empty():
    conf = PageConfirmation(page(ROW1), "P1", KEY)
    added = conf.add_row(7)
    for name, value in (("nombres", "ROSA"), ("apellido_paterno", "LOPEZ"), ("clave_elector", "LPXXRS70010101M001")):
        added.correct(name, value)
    conf.confirm(added)
    conf.choose(added, Inconsistencia.SIN_LEYENDA)
    conf.confirm(conf.row(1))
    conf.choose(conf.row(1), None)
    assert [r.numero_referencia for r in conf.records()] == ["C-000777-01", "C-000777-07"]


def test_real_page_confirmed_with_truth(pages):
    truth, reading = pages[16]
    conf = PageConfirmation(reading, "P1", KEY)
    by_no = {r["no"]: r for r in truth["rows"]}
    while (r := conf.current()) is not None:
        expected = by_no[r.no]
        for name in ("nombres", "apellido_paterno", "apellido_materno", "clave_elector"):
            if r.values[name] != expected[name]:
                r.correct(name, expected[name])
        conf.confirm(r)
        conf.choose(r, r.suggested_inconsistencia)
    records = conf.records()
    assert [rec.clave_elector for rec in records] == [r["clave_elector"] for r in truth["rows"]]
    assert all(rec.numero_referencia.startswith(truth["folio"] + "-") for rec in records)
    typed = sum(len(r[n]) + 1 for r in truth["rows"] for n in ("nombres", "apellido_paterno",
                                                               "apellido_materno", "clave_elector"))
    assert conf.total_keystrokes < typed / 2
