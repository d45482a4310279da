"""The synthetic cédula generator: deterministic, fictitious, valid claves built from the names."""

from __future__ import annotations

import hashlib

import numpy as np

from kiosk.cedula.clave import cross_check
from kiosk.cedula.specimen import ROWS, make_cedula


def test_same_seed_same_page():
    a, truth_a = make_cedula(3)
    b, truth_b = make_cedula(3)
    assert truth_a == truth_b
    assert hashlib.sha256(a.tobytes()).digest() == hashlib.sha256(b.tobytes()).digest()
    c, truth_c = make_cedula(4)
    assert truth_c != truth_a


def test_rows_and_claves():
    for seed in range(8):
        image, truth = make_cedula(seed)
        assert image.ndim == 3 and image.dtype == np.uint8
        assert 4 <= len(truth["rows"]) <= ROWS
        assert sorted([r["no"] for r in truth["rows"]] + truth["empty_rows"]) == list(range(1, ROWS + 1))
        for row in truth["rows"]:
            check = cross_check(row["clave_elector"], row["nombres"], row["apellido_paterno"],
                                row["apellido_materno"])
            assert check.flags == ()
            assert row["nombres"] == row["nombres"].upper()
        assert truth["folio"].startswith("C-") and len(truth["folio"]) == 8


def test_requested_defects_are_in_the_truth():
    _, truth = make_cedula(5, filled=6, unsigned=2, invalid_clave=1, clave_mismatch=1)
    flags = [f for r in truth["rows"] for f in r["flags"]]
    assert flags.count("sin_firma") == 2
    assert flags.count("clave_invalida") == 1
    assert flags.count("clave_no_coincide") == 1
    for row in truth["rows"]:
        check = cross_check(row["clave_elector"], row["nombres"], row["apellido_paterno"], row["apellido_materno"])
        assert set(check.flags) == set(row["flags"]) - {"sin_firma"}
