"""Reading generated scanned cédulas: rows, empty rows, claves, signatures, folio, JSON output."""

from __future__ import annotations

import argparse
import json

import cv2
import numpy as np
import pytest

from kiosk.cedula.geometry import TableNotFound, find_layout
from kiosk.cedula.page import TEXT_COLUMNS, read_page
from kiosk.cedula.specimen import make_cedula
from kiosk.commands.cedula import cmd_read
from kiosk.identifiers import validate_clave_elector


def test_rows_found_and_empty_rows_ignored(pages):
    for seed, (truth, reading) in pages.items():
        assert [r.no for r in reading.rows] == [r["no"] for r in truth["rows"]], seed
        assert reading.empty_rows == truth["empty_rows"], seed


def test_missing_signature_flagged_exactly(pages):
    for seed, (truth, reading) in pages.items():
        expected = {r["no"] for r in truth["rows"] if not r["firma"]}
        flagged = {r.no for r in reading.rows if "sin_firma" in r.flags}
        assert flagged == expected, seed
    assert sum(not r["firma"] for t, _ in pages.values() for r in t["rows"]) >= 4


def test_folio_read(pages):
    for seed, (truth, reading) in pages.items():
        assert reading.folio.value == truth["folio"], seed
        assert 0.5 < reading.folio.confidence <= 1


def test_claves_read_and_validated(pages):
    total = exact = 0
    for truth, reading in pages.values():
        by_no = {r.no: r for r in reading.rows}
        for row in truth["rows"]:
            read = by_no[row["no"]]
            total += 1
            exact += read.clave_elector.value == row["clave_elector"]
            if "clave_invalida" not in read.flags:
                assert validate_clave_elector(read.clave_elector.value) == read.clave_elector.value
    assert exact / total >= 0.9, f"{exact}/{total} claves read exactly"


def test_names_read(pages):
    total = exact = 0
    for truth, reading in pages.values():
        by_no = {r.no: r for r in reading.rows}
        for row in truth["rows"]:
            for name in ("nombres", "apellido_paterno", "apellido_materno"):
                total += 1
                exact += getattr(by_no[row["no"]], name).value == row[name]
    assert exact / total >= 0.95, f"{exact}/{total} names read exactly"


def test_invalid_and_mismatched_claves_flagged(pages):
    truth, reading = pages[15]
    by_no = {r.no: r for r in reading.rows}
    for row in truth["rows"]:
        if "clave_invalida" in row["flags"]:
            assert "clave_invalida" in by_no[row["no"]].flags
        if "clave_no_coincide" in row["flags"]:
            assert "clave_no_coincide" in by_no[row["no"]].flags
    assert any("clave_invalida" in r["flags"] for r in truth["rows"])
    assert any("clave_no_coincide" in r["flags"] for r in truth["rows"])


def test_confidences_are_fractions_and_crops_are_png(pages):
    for _, reading in pages.values():
        for row in reading.rows:
            for name in TEXT_COLUMNS:
                assert 0.0 <= getattr(row, name).confidence <= 1.0
            crop = cv2.imdecode(np.frombuffer(row.crop_png, np.uint8), cv2.IMREAD_UNCHANGED)
            assert crop is not None and crop.shape[1] > 1000 and 60 < crop.shape[0] < 200
        assert reading.page_jpeg[:2] == b"\xff\xd8"


def test_layout_finds_all_rulings_under_rotation():
    image, _ = make_cedula(21, rotation=-5.0, noise=12.0, paper=190)
    layout = find_layout(image)
    assert layout.rows == 10
    assert len(layout.col_edges) == 7


def test_blank_page_has_no_table():
    with pytest.raises(TableNotFound):
        read_page(np.full((1400, 2000, 3), 220, np.uint8))


def test_read_command_json(tmp_path, capsys):
    image, truth = make_cedula(17, filled=5, unsigned=1)
    path = tmp_path / "pagina.png"
    cv2.imwrite(str(path), image)
    assert cmd_read(argparse.Namespace(image=str(path), json=True)) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["folio"]["value"] == truth["folio"]
    assert [r["no"] for r in out["rows"]] == [r["no"] for r in truth["rows"]]
    for row in out["rows"]:
        assert set(row) == {"no", "nombres", "apellido_paterno", "apellido_materno", "clave_elector", "flags"}
        assert set(row["clave_elector"]) == {"value", "confidence"}
    assert sum("sin_firma" in r["flags"] for r in out["rows"]) == 1


def test_read_command_errors_are_one_spanish_line(tmp_path, capsys):
    bogus = tmp_path / "no_es_imagen.png"
    bogus.write_bytes(b"esto no es una imagen")
    assert cmd_read(argparse.Namespace(image=str(bogus), json=True)) == 1
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "No se pudo leer la imagen" in err[0] and "no es una imagen" in err[0]
    blank = tmp_path / "blanca.png"
    cv2.imwrite(str(blank), np.full((800, 1000, 3), 250, np.uint8))
    assert cmd_read(argparse.Namespace(image=str(blank), json=False)) == 1
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "No se encontró la tabla" in err[0]


@pytest.mark.parametrize("turn", [cv2.ROTATE_180, cv2.ROTATE_90_COUNTERCLOCKWISE])
def test_page_fed_upside_down_or_sideways(turn):
    image, truth = make_cedula(18, filled=5, unsigned=1, rotation=1.5)
    reading = read_page(cv2.rotate(image, turn))
    assert reading.folio.value == truth["folio"]
    assert [r.no for r in reading.rows] == [r["no"] for r in truth["rows"]]
    assert [r.apellido_paterno.value for r in reading.rows] == [r["apellido_paterno"] for r in truth["rows"]]
