"""Bulk CSV import: every row checked first, precise report, nothing imported it should not."""

from __future__ import annotations

import argparse
import importlib.util
import json
from pathlib import Path

import pytest

from kiosk.cedula.bulk import plan_import
from kiosk.cedula.dedupe import clave_fingerprint
from kiosk.commands.cedula import cmd_import
from kiosk.domain import Inconsistencia, ManualRecord

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "cedulas"
KEY = b"k" * 32
_spec = importlib.util.spec_from_file_location("make_csvs", FIXTURES / "make_csvs.py")
make_csvs = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(make_csvs)


def plan(name: str, **kw):
    return plan_import(FIXTURES / name, "P1", key=KEY, **kw)


def test_committed_fixtures_match_generator():
    for name, data in make_csvs.files().items():
        assert (FIXTURES / name).read_bytes() == data, name


@pytest.mark.parametrize("name", ["validas.csv", "validas_bom.csv"])
def test_valid_file(name):
    result = plan(name)
    assert result.ok and result.total_rows == 6 and len(result.valid_rows) == 6
    assert all(isinstance(r, ManualRecord) for r in result.valid_rows)
    assert result.valid_rows[1].inconsistencia is Inconsistencia.SIN_FIRMA
    assert result.valid_rows[3].inconsistencia is Inconsistencia.OTRA and result.valid_rows[3].comentario
    assert result.valid_rows[4].inconsistencia is Inconsistencia.CEDULA_EN_COPIA
    assert result.valid_rows[2].apellido_materno == ""
    assert [r.numero_referencia for r in result.valid_rows][0] == "C-000400-01"
    assert result.encoding == ("utf-8-sig" if "bom" in name else "utf-8")


def test_bad_rows_report_row_field_reason():
    result = plan("malas.csv")
    got = [(p.row, p.field, p.code) for p in result.problems]
    assert got == make_csvs.EXPECTED_PROBLEMS
    assert result.valid_lines == make_csvs.EXPECTED_VALID_LINES
    reasons = {(p.row, p.field): p.reason for p in result.problems}
    assert "fecha" in reasons[(3, "clave_elector")]
    assert "fila 2" in reasons[(5, "clave_elector")]
    assert "18 caracteres" in reasons[(7, "clave_elector")]
    assert "apellido" in reasons[(4, "apellido_paterno/apellido_materno")]
    assert result.total_rows == 8


def test_wrong_encoding_reported_and_nothing_valid():
    result = plan("windows1252.csv")
    assert not result.valid_rows and result.problems
    assert {p.code for p in result.problems} == {"csv_not_utf8"}
    assert result.problems[0].row == 1 and "UTF-8" in result.problems[0].reason
    assert "Windows-1252" in result.problems[0].reason


def test_utf16_reported(tmp_path):
    data = (FIXTURES / "validas.csv").read_text(encoding="utf-8").encode("utf-16")
    tmp = tmp_path / "u16.csv"
    tmp.write_bytes(data)
    result = plan_import(tmp, "P1", key=KEY)
    assert [p.code for p in result.problems] == ["csv_utf16"] and not result.valid_rows


@pytest.mark.parametrize(("name", "shown", "option"), [("punto_y_coma.csv", "«;»", ";"), ("tabulador.csv", "tabulador", "\t")])
def test_wrong_delimiter_reported_then_accepted_when_told(name, shown, option):
    result = plan(name)
    assert [p.code for p in result.problems] == ["csv_delimiter"] and not result.valid_rows
    assert shown in result.problems[0].reason and "--separador" in result.problems[0].reason
    told = plan(name, delimiter=option)
    assert told.ok and len(told.valid_rows) == 6


def test_wrong_header():
    result = plan("encabezado_malo.csv")
    assert {(p.field, p.code) for p in result.problems} == {
        ("telefono", "csv_header_unknown"), ("clave_elector", "csv_header_missing")}
    assert not result.valid_rows


def test_clave_already_in_vault():
    first = plan("validas.csv").valid_rows[0]
    vault = {clave_fingerprint(KEY, "P1", first.clave_elector)}
    result = plan("validas.csv", seen=vault.__contains__)
    assert [(p.row, p.code) for p in result.problems] == [(2, "csv_clave_vista")]
    assert len(result.valid_rows) == 5
    other_process = plan_import(FIXTURES / "validas.csv", "P2", key=KEY, seen=vault.__contains__)
    assert other_process.ok


def test_report_has_no_personal_data():
    result = plan("malas.csv")
    dumped = json.dumps(result.as_dict(), ensure_ascii=False)
    for record in result.valid_rows:
        assert record.clave_elector not in dumped and record.apellido_paterno not in dumped


def _args(path: Path, **kw) -> argparse.Namespace:
    base = dict(file=str(path), mode="all_or_nothing", dry_run=False, json=False, delimiter=",")
    base.update(kw)
    return argparse.Namespace(**base)


def test_command_all_or_nothing_refuses_with_report(tmp_path, capsys):
    code = cmd_import(_args(FIXTURES / "malas.csv", dry_run=True, data_dir=str(tmp_path / "sin_kiosko")))
    captured = capsys.readouterr()
    assert code == 1
    err = captured.err.strip().splitlines()
    assert len(err) == 1 and "no se importó nada" in err[0] and "8 problemas" in err[0]
    assert "fila 3, clave_elector" in captured.out and "fila 9, ocr" in captured.out


def test_command_dry_run_only_valid_json(tmp_path, capsys):
    code = cmd_import(_args(FIXTURES / "malas.csv", dry_run=True, json=True, mode="only_valid",
                            data_dir=str(tmp_path / "sin_kiosko")))
    out = json.loads(capsys.readouterr().out)
    assert code == 1  # a dry run with problems says so in its exit code
    assert out["rows_valid"] == 2 and len(out["problems"]) == len(make_csvs.EXPECTED_PROBLEMS)
    assert out["saved"] == [] and out["dry_run"] is True


def test_command_dry_run_clean_file(tmp_path, capsys):
    code = cmd_import(_args(FIXTURES / "validas.csv", dry_run=True, data_dir=str(tmp_path / "sin_kiosko")))
    assert code == 0
    assert "6 filas válidas, 0 problemas" in capsys.readouterr().out


def test_command_without_station_refuses_to_save(tmp_path, capsys):
    code = cmd_import(_args(FIXTURES / "validas.csv", data_dir=str(tmp_path / "sin_kiosko")))
    err = capsys.readouterr().err.strip().splitlines()
    assert code == 1 and len(err) == 1 and "kiosk provision" in err[0]


def test_command_unknown_separator(capsys):
    assert cmd_import(_args(FIXTURES / "validas.csv", delimiter="x")) == 1
    assert "Separador no reconocido" in capsys.readouterr().err


def test_a_file_past_the_size_limit_is_refused_unread(tmp_path):
    """A 26 MB file of bad rows took 600 MB and printed 1.6 million lines; past MAX_CSV_BYTES the
    file is refused from its size, in Spanish, before a byte of it is read."""
    from kiosk.cedula.bulk import MAX_CSV_BYTES

    huge = tmp_path / "enorme.csv"
    with open(huge, "wb") as out:
        out.truncate(MAX_CSV_BYTES + 1)  # sparse: nothing written
    result = plan_import(huge, "P1", key=KEY)
    assert [p.code for p in result.problems] == ["csv_too_large"]
    assert "demasiado grande" in result.problems[0].reason and result.total_rows == 0


def test_the_command_lists_the_first_problems_and_counts_the_rest(tmp_path, capsys):
    """Thousands of bad rows print a bounded list and how many more there are (all in --json)."""
    from kiosk.commands.cedula import SHOWN_PROBLEMS

    bad = tmp_path / "malas.csv"
    rows = [f"{i},MUESTRA,UNO,DOS,MALA,123" for i in range(SHOWN_PROBLEMS)]
    bad.write_text("numero_referencia,nombres,apellido_paterno,apellido_materno,clave_elector,ocr\n" + "\n".join(rows) + "\n")
    assert cmd_import(_args(bad, dry_run=True, data_dir=str(tmp_path / "sin_kiosko"))) == 1
    out = capsys.readouterr().out.splitlines()
    problems = plan_import(bad, "P1", key=KEY).problems
    assert len(problems) == 2 * SHOWN_PROBLEMS  # the clave and the OCR of every row
    assert out[:SHOWN_PROBLEMS] == [str(p) for p in problems[:SHOWN_PROBLEMS]]
    assert f"y {SHOWN_PROBLEMS} problemas más" in out[SHOWN_PROBLEMS]
