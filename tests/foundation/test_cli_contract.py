"""The CLI contract of issue 19: only the chosen command's module is imported (so `kiosk --help`
and the sync daemon stay light), `--version` on both CLIs, and exit codes 0 ok / 1 runtime
failure / 2 usage."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

KIOSK = [sys.executable, "-m", "kiosk.cli"]
HEAVY = ("cv2", "numpy", "PIL", "textual", "argon2", "sqlalchemy", "central", "fastapi", "pydantic", "uvicorn", "rich")

PROBE = """
import json, sys
from kiosk.cli import build_parser
argv = json.loads(sys.argv[1])
parser = build_parser(argv)
parser.parse_args(argv) if argv else parser.format_help()
for name in json.loads(sys.argv[2]):
    __import__(name)
print(json.dumps(sorted(sys.modules)))
"""


def loaded(argv: list[str], also: list[str] = ()) -> set[str]:
    out = subprocess.run([sys.executable, "-c", PROBE, json.dumps(argv), json.dumps(list(also))],
                         capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    return set(json.loads(out.stdout))


def roots(modules: set[str]) -> set[str]:
    return {m.split(".")[0] for m in modules}


def test_help_lists_every_command_without_importing_any() -> None:
    modules = loaded([])
    assert not {m for m in modules if m.startswith(("kiosk.commands.", "sync.", "tui."))}, "no command module"
    assert not roots(modules) & set(HEAVY)
    out = subprocess.run(KIOSK + ["--help"], capture_output=True, text=True, timeout=60)
    assert out.returncode == 0
    for command in ("sync", "demo", "run", "status", "decode", "cedula", "provision", "tech-password"):
        assert f"\n    {command} " in out.stdout, command


def test_the_sync_daemon_loads_no_image_ui_or_receiver_library() -> None:
    modules = loaded(["sync", "--once"], ["sync.daemon", "kiosk.station"])
    assert "sync.commands" in modules
    assert not roots(modules) & set(HEAVY), sorted(roots(modules) & set(HEAVY))
    assert not {m for m in modules if m.startswith(("kiosk.commands.", "tui."))}


def test_a_chosen_command_gets_its_full_parser() -> None:
    out = subprocess.run(KIOSK + ["demo", "--help"], capture_output=True, text=True, timeout=60)
    assert out.returncode == 0 and "--sync-timeout" in out.stdout and "--records" in out.stdout


def test_version_on_both_clis() -> None:
    from importlib.metadata import version

    kiosk = subprocess.run(KIOSK + ["--version"], capture_output=True, text=True, timeout=60)
    assert kiosk.returncode == 0 and kiosk.stdout.strip() == f"kiosk {version('apoyo-kiosk')}"
    receiver = subprocess.run([sys.executable, "-m", "central.receiver.cli", "--version"], capture_output=True, text=True, timeout=60)
    assert receiver.returncode == 0 and receiver.stdout.strip() == f"kiosk-receiver {version('apoyo-kiosk')}"


def test_exit_codes_tell_usage_from_failure(tmp_path: Path) -> None:
    def code(*argv: str) -> tuple[int, str]:
        out = subprocess.run(KIOSK + list(argv), capture_output=True, text=True, timeout=60)
        return out.returncode, out.stderr

    assert code("no-such-command")[0] == 2
    assert code()[0] == 2
    assert code("status", "--bogus-flag")[0] == 2
    assert code("provision", "--receiver", "http://127.0.0.1:9", "--data-dir", str(tmp_path / "k"))[0] == 2, "no token: usage"
    rc, err = code("status", "--data-dir", str(tmp_path / "nada"))
    assert rc == 1 and "kiosk provision" in err and len(err.strip().splitlines()) == 1, "not provisioned: a failure"


def test_a_file_named_on_the_command_line_that_cannot_be_read_is_said_in_spanish(tmp_path: Path) -> None:
    """Missing, a folder, or a CSV saved by Excel in Windows-1252: the receiver's commands said
    the OS's or the codec's English («[Errno 2] No such file…», «'utf-8' codec can't decode…»)."""
    receiver = [sys.executable, "-m", "central.receiver.cli", "--data-dir", str(tmp_path / "rx")]
    assert subprocess.run(receiver + ["init"], capture_output=True, timeout=120).returncode == 0
    excel = tmp_path / "auxiliares.csv"
    excel.write_bytes("id_auxiliar,nombres,apellido_paterno\nA0009,JOSÉ,MUÑOZ\n".encode("cp1252"))
    for argv, words in ((["roster", "load", "--process", "X", str(tmp_path / "no-esta.csv")], "no existe"),
                        (["roster", "load", "--process", "X", str(tmp_path)], "es una carpeta"),
                        (["roster", "load", "--process", "X", str(excel)], "no está en UTF-8"),
                        (["compulsa", "import", "--process", "X", str(tmp_path / "no-esta.csv")], "no existe"),
                        (["results", "open", str(tmp_path / "no-esta.apk"), "--key", str(tmp_path / "no-esta.key")], "no existe")):
        out = subprocess.run(receiver + argv, capture_output=True, text=True, timeout=120)
        assert out.returncode == 1 and words in out.stderr, (argv, out.stderr)
        assert "Errno" not in out.stderr and "codec" not in out.stderr and "Error)" not in out.stderr, out.stderr
    out = subprocess.run(receiver + ["roster", "load", "--process", "X", str(excel)], capture_output=True, text=True, timeout=120)
    assert "CSV UTF-8" in out.stderr, "it says how to save it from Excel"
