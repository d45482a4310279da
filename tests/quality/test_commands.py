"""`kiosk check-photo` and `kiosk check-signature`: JSON verdicts, and one Spanish line for bad input."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import cv2
import pytest
from make_signatures import invalid_inputs, shape, signature

from kiosk.commands import check_photo as photo_cmd
from kiosk.commands import check_signature as signature_cmd


def _run(module, argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="kiosk")
    module.add_parser(parser.add_subparsers())
    args = parser.parse_args(argv)
    return args.func(args)


def test_check_photo_json_accept(tmp_path: Path, photo_fixtures: dict, capsys) -> None:
    path = tmp_path / "foto.png"
    cv2.imwrite(str(path), photo_fixtures["good_original"].image)
    assert _run(photo_cmd, ["check-photo", str(path), "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["verdict"] == "accept" and out["reasons"] == [] and out["scores"]["faces"] == 1.0


def test_check_photo_json_reject_is_exit_zero(tmp_path: Path, photo_fixtures: dict, capsys) -> None:
    path = tmp_path / "lentes.jpg"
    cv2.imwrite(str(path), photo_fixtures["sunglasses"].image)
    assert _run(photo_cmd, ["check-photo", str(path), "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["verdict"] == "reject" and "eyes_covered" in out["codes"]
    assert any("ojos" in r for r in out["reasons"])


def test_check_photo_turns_a_phone_photo_by_its_exif_orientation(tmp_path: Path, photo_fixtures: dict, capsys) -> None:
    """A phone saves a portrait photo sideways with EXIF orientation 6 (turn 90° clockwise to
    view); OpenCV honoured it and the bounded decoder must too, or the face lies on its side."""
    import numpy as np
    from PIL import Image

    upright = cv2.cvtColor(photo_fixtures["good_original"].image, cv2.COLOR_BGR2RGB)
    exif = Image.Exif()
    exif[0x0112] = 6
    path = tmp_path / "telefono.jpg"
    Image.fromarray(np.ascontiguousarray(np.rot90(upright))).save(path, exif=exif, quality=95)
    assert _run(photo_cmd, ["check-photo", str(path), "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["verdict"] == "accept", out["reasons"]


def test_check_photo_text_output(tmp_path: Path, photo_fixtures: dict, capsys) -> None:
    path = tmp_path / "gato.png"
    cv2.imwrite(str(path), photo_fixtures["cat"].image)
    assert _run(photo_cmd, ["check-photo", str(path)]) == 0
    out = capsys.readouterr().out
    assert "RECHAZADA" in out and "rostro" in out


@pytest.mark.parametrize("content", [b"", b"esto no es una imagen", b"\x89PNG\r\n\x1a\n\x00\x00garbage"])
def test_check_photo_unreadable(tmp_path: Path, content: bytes, capsys) -> None:
    path = tmp_path / "x.png"
    path.write_bytes(content)
    assert _run(photo_cmd, ["check-photo", str(path), "--json"]) != 0
    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err.count("\n") == 1 and "No se pudo leer la imagen" in captured.err


def test_check_photo_missing_file(tmp_path: Path, capsys) -> None:
    assert _run(photo_cmd, ["check-photo", str(tmp_path / "no-existe.jpg")]) != 0
    assert "No se pudo leer la imagen" in capsys.readouterr().err


def test_check_photo_refuses_a_huge_header_in_bounded_memory(tmp_path: Path) -> None:
    """A PNG whose header claims 30000 x 30000 (under OpenCV's own pixel limit): OpenCV allocated
    2.7 GB before finding the body empty. It is refused from the header, in Spanish, inside a 2 GB
    address space (the imports alone take about 1 GB of it)."""
    import resource
    import subprocess
    import sys

    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "fixtures"))
    from bad_images import png_header_only

    huge = tmp_path / "enorme.png"
    png_header_only(huge, 30000, 30000)

    def limit() -> None:
        resource.setrlimit(resource.RLIMIT_AS, (2 * 1024**3, 2 * 1024**3))

    done = subprocess.run([sys.executable, "-m", "kiosk.cli", "check-photo", str(huge)], capture_output=True,
                          text=True, timeout=120, preexec_fn=limit)
    assert done.returncode == 2 and done.stdout == ""
    assert "demasiado grande" in done.stderr and "OpenCV" not in done.stderr


def test_check_signature_refuses_a_huge_file_unread(tmp_path: Path, capsys) -> None:
    """A trajectory file past what MAX_POINTS points can take is refused from its size, not read."""
    from kiosk.quality.trajectory import MAX_FILE_BYTES

    huge = tmp_path / "firma.json"
    with open(huge, "wb") as out:
        out.truncate(MAX_FILE_BYTES + 1)  # sparse: nothing written
    assert _run(signature_cmd, ["check-signature", str(huge)]) == 2
    assert "demasiado grande" in capsys.readouterr().err


def test_check_signature_json(tmp_path: Path, capsys) -> None:
    good, cross = tmp_path / "firma.json", tmp_path / "cruz.json"
    good.write_text(json.dumps(signature(1, "Marta Ejemplo Ruiz", "underlined")))
    cross.write_text(json.dumps(shape(2, "x")))
    assert _run(signature_cmd, ["check-signature", str(good), "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["verdict"] == "accept"
    assert _run(signature_cmd, ["check-signature", str(cross), "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["verdict"] == "reject" and out["codes"] == ["signature_cross"] and "cruz" in out["reasons"][0]


def test_empty_trajectory_is_a_verdict_not_an_error(tmp_path: Path, capsys) -> None:
    path = tmp_path / "vacia.json"
    path.write_text(json.dumps(shape(0, "empty")))
    assert _run(signature_cmd, ["check-signature", str(path), "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["codes"] == ["signature_empty"]


@pytest.mark.parametrize("content", ["", "   \n", "{no es json", '{"width": 800, "height": 300, "points": [[0, NaN, 1, 0.5, 1]]}',
                                     json.dumps(invalid_inputs()["out_of_range"]), json.dumps(invalid_inputs()["short_point"])])
def test_check_signature_unreadable(tmp_path: Path, content: str, capsys) -> None:
    path = tmp_path / "mala.json"
    path.write_text(content)
    assert _run(signature_cmd, ["check-signature", str(path), "--json"]) != 0
    captured = capsys.readouterr()
    assert captured.out == "" and captured.err.count("\n") == 1
    assert "no es válida" in captured.err


def test_check_signature_names_why_a_file_cannot_be_read(tmp_path: Path, capsys) -> None:
    """It said «no se pudo leer el archivo: FileNotFoundError»."""
    latin = tmp_path / "latin.json"
    latin.write_bytes('{"nombre": "MUÑOZ"}'.encode("latin-1"))
    for path, words in ((tmp_path / "no-esta.json", "no existe"), (tmp_path, "es una carpeta"), (latin, "no está en UTF-8")):
        assert _run(signature_cmd, ["check-signature", str(path), "--json"]) == 2
        err = capsys.readouterr().err
        assert words in err and "Error" not in err, err
