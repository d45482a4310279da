"""Bad files: truncated, not an image, all black, 50 megapixels: a clear Spanish error, no crash."""

from __future__ import annotations

import argparse
import json
import subprocess
import sys

import cv2
import numpy as np
import pytest

from kiosk.commands import decode
from kiosk.credential import ImageRejected, load_image


def run_decode(*paths: str, capsys) -> tuple[int, list, str]:
    parser = argparse.ArgumentParser()
    decode.add_parser(parser.add_subparsers())
    args = parser.parse_args(["decode", *paths, "--json"])
    rc = args.func(args)
    out = capsys.readouterr()
    return rc, json.loads(out.out), out.err


@pytest.fixture(scope="module")
def good_photo(tmp_path_factory, photo_sets):
    path = tmp_path_factory.mktemp("cred") / "reverso.jpg"
    cv2.imwrite(str(path), photo_sets["easy"][0].image)
    return path


def test_decode_json_contract(good_photo, photo_sets, capsys):
    rc, out, err = run_decode(str(good_photo), capsys=capsys)
    assert rc == 0 and err == ""
    assert out[0]["image"] == str(good_photo)
    assert set(out[0]["fields"]) == {"cic", "ocr", "birth_date", "sex", "expiry_year", "apellido_paterno",
                                     "apellido_materno", "nombres", "emision"}
    cic = out[0]["fields"]["cic"]
    assert cic == {"value": photo_sets["easy"][0].truth["fields"]["cic"], "source": "mrz", "verified": True}
    assert out[0]["model"] in ("E/F", "G/H", "E/F/G/H")


def test_truncated_and_non_image(tmp_path, good_photo, capsys):
    truncated = tmp_path / "cortada.jpg"
    truncated.write_bytes(good_photo.read_bytes()[:4000])
    text = tmp_path / "nota.jpg"
    text.write_text("no soy una foto")
    rc, out, err = run_decode(str(good_photo), str(truncated), str(text), capsys=capsys)
    assert rc != 0
    assert len(err.strip().splitlines()) == 1 and "No se pudo leer la imagen" in err
    assert [o["image"] for o in out] == [str(good_photo), str(truncated), str(text)]
    assert out[0]["fields"]["ocr"]["verified"] is True
    assert out[1]["errors"][0]["code"] == "file_unreadable"
    assert "no es una imagen" in out[2]["errors"][0]["message"]


def test_black_frame(tmp_path, capsys):
    black = tmp_path / "negra.png"
    cv2.imwrite(str(black), np.zeros((960, 1280, 3), np.uint8))
    rc, out, err = run_decode(str(black), capsys=capsys)
    assert rc != 0 and "oscura" in err
    assert out[0]["errors"][0]["code"] == "image_black"


def test_missing_file():
    with pytest.raises(ImageRejected, match="No se pudo leer"):
        load_image("/nonexistent/foto.jpg")


def test_fifty_megapixels_bounded_memory(tmp_path):
    big = tmp_path / "grande.jpg"
    img = np.full((5800, 8700, 3), 180, np.uint8)
    cv2.putText(img, "MUESTRA", (400, 3000), cv2.FONT_HERSHEY_SIMPLEX, 40, (0, 0, 0), 60)
    cv2.imwrite(str(big), img, [cv2.IMWRITE_JPEG_QUALITY, 70])
    del img
    script = (
        "import resource, json; from kiosk.credential import load_image, read_image;"
        f"img = load_image({str(big)!r}); r = read_image(img);"
        "print(json.dumps([img.shape[1] * img.shape[0], resource.getrusage(resource.RUSAGE_SELF).ru_maxrss]))"
    )
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    pixels, max_rss_kb = json.loads(done.stdout.strip().splitlines()[-1])
    assert pixels <= 4_000_000
    assert max_rss_kb < 700 * 1024  # a full 50 MP decode alone would take ~150 MB more than the reduced one


def test_too_many_pixels_refused_before_decoding(tmp_path):
    from PIL import Image

    huge = tmp_path / "enorme.png"
    Image.new("L", (9000, 8000), 200).save(huge)  # 72 MP
    with pytest.raises(ImageRejected, match="demasiado grande"):
        load_image(huge)
