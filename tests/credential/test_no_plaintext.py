"""No plaintext personal data on disk: a credential decode (front and back, tesseract included) and
a cédula read, traced with strace, write no file anywhere (the vault is the only place allowed)."""

from __future__ import annotations

import os
import random
import re
import shutil
import subprocess
import sys
from pathlib import Path

import cv2
import pytest

from kiosk.cedula.specimen import make_cedula
from kiosk.specimens import make_card, photo_of_card

WRITE_FLAGS = re.compile(r"O_WRONLY|O_RDWR|O_CREAT|O_TRUNC|O_APPEND")

CHILD = """
import sys
import cv2
from kiosk.credential import load_image, read_credential
from kiosk.cedula.page import read_page
front, back, page = sys.argv[1:4]
reading = read_credential(load_image(front), load_image(back))
print("fields", sum(f.verified for f in reading.fields.values()))
rows = read_page(cv2.imread(page)).rows
print("rows", len(rows))
"""


@pytest.mark.skipif(shutil.which("strace") is None, reason="strace is in the Makefile's APT_TEST list")
def test_decode_and_cedula_read_write_no_file(tmp_path):
    front, back, _ = make_card(10_001, model="G")
    inputs = tmp_path / "entrada"
    inputs.mkdir()
    rng = random.Random(7)
    cv2.imwrite(str(inputs / "anverso.png"), photo_of_card(front, "easy", rng)[0])
    cv2.imwrite(str(inputs / "reverso.png"), photo_of_card(back, "easy", rng)[0])
    page, _ = make_cedula(3)
    cv2.imwrite(str(inputs / "cedula.png"), page)
    log = tmp_path / "strace.log"
    env = dict(os.environ, PYTHONDONTWRITEBYTECODE="1", TMPDIR=str(tmp_path / "tmp"))
    (tmp_path / "tmp").mkdir()
    done = subprocess.run(
        ["strace", "-f", "-qq", "-e", "trace=openat,creat,open", "-o", str(log), sys.executable, "-c", CHILD,
         str(inputs / "anverso.png"), str(inputs / "reverso.png"), str(inputs / "cedula.png")],
        capture_output=True, text=True, timeout=300, env=env)
    assert done.returncode == 0, done.stderr[-2000:]
    assert "fields" in done.stdout and "rows" in done.stdout
    trace = log.read_text()
    # the trace saw tesseract at work (its models are opened), so the check below means something
    assert "traineddata" in trace
    writes = []
    for line in trace.splitlines():
        call = re.search(r"(openat|open|creat)\((.*)", line)
        if not call or "= -1" in line:
            continue
        path = re.search(r'"([^"]*)"', call.group(2))
        if call.group(1) == "creat" or WRITE_FLAGS.search(call.group(2)):
            writes.append(path.group(1) if path else line)
    allowed = {"/dev/null", "/dev/tty"}
    assert [w for w in writes if w not in allowed] == []
    assert not any(Path(tmp_path / "tmp").iterdir())
