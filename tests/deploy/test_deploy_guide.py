"""The technician's guide (systemd/PONER_EN_MARCHA.md, pasted into the README) matches what the
installer and the units really do: options, paths, hardware list, the rows `kiosk doctor` prints.
"""

from __future__ import annotations

import re

from deploy_support import SYSTEMD_DIR, run_install

GUIDE = (SYSTEMD_DIR / "PONER_EN_MARCHA.md").read_text()


def test_guide_is_the_readme_section() -> None:
    assert GUIDE.startswith("## Poner en marcha un kiosko\n")


def test_hardware_list_names_every_piece() -> None:
    for piece in ("Raspberry Pi 4", "Raspberry Pi 5", "Camera Module 3", "webcam USB", "Topaz",
                  "SANE", "Impresora de tickets"):
        assert piece in GUIDE, piece


def test_doctor_example_shows_every_check_ok() -> None:
    block = GUIDE[GUIDE.index("COMPONENTE"):]
    block = block[: block.index("```")]
    rows = {line.split()[0]: line.split()[1] for line in block.splitlines()[1:] if line.strip()}
    assert list(rows) == ["camera", "signature_pad", "scanner", "tesseract", "zbar", "keys", "vault",
                          "clock", "disk", "receiver"]
    assert set(rows.values()) == {"OK"}


def test_installer_options_in_the_guide_exist() -> None:
    help_text = run_install("--help").stdout
    used = set(re.findall(r"install\.sh (--[a-z-]+)", GUIDE))
    assert used >= {"--ui", "--dry-run"}
    for option in used:
        assert option in help_text, option


def test_paths_in_the_guide_are_the_installed_ones() -> None:
    units = "".join(p.read_text() for p in SYSTEMD_DIR.glob("apoyo-kiosk-*"))
    for path in ("/var/lib/apoyo-kiosk", "/opt/apoyo-kiosk/venv", "/etc/apoyo-kiosk/kiosk.toml"):
        assert path in GUIDE and (path in units or path in (SYSTEMD_DIR / "install.sh").read_text()), path
    for unit in re.findall(r"-u (apoyo-kiosk-[\w@-]+)", GUIDE):
        stem = unit.replace("@tty1", "@")
        assert (SYSTEMD_DIR / f"{stem}.service").exists(), unit


def test_every_kiosk_command_in_the_guide_exists() -> None:
    import argparse

    from kiosk.cli import build_parser

    sub = next(a for a in build_parser()._actions if isinstance(a, argparse._SubParsersAction))
    named = set(re.findall(r"\bkiosk (?=([a-z][a-z-]+))", GUIDE)) - {"kiosk"}  # `sudo -u kiosk kiosk …`
    assert {"provision", "doctor", "tech-password", "export"} <= named
    for command in named:
        assert command in sub.choices, command
