"""`kiosk doctor`: simulated devices pass, missing ones fail with the first thing to fix,
checks come in the agreed order, and the disk check warns under its threshold."""

import argparse
import json
import socket
from pathlib import Path

import pytest

from kiosk import devices, doctor
from kiosk.commands import doctor as doctor_command


@pytest.fixture(autouse=True)
def no_system_config(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setattr(devices, "SYSTEM_CONFIG", tmp_path / "etc" / "kiosk.toml")


def _run(*argv: str) -> int:
    parser = argparse.ArgumentParser(prog="kiosk")
    doctor_command.add_parser(parser.add_subparsers())
    args = parser.parse_args(list(argv))
    return args.func(args)


def test_simulated_json_passes_every_device_check(tmp_path: Path,
                                                  capsys: pytest.CaptureFixture) -> None:
    code = _run("doctor", "--simulated", "--json", "--data-dir", str(tmp_path))
    report = json.loads(capsys.readouterr().out)
    by_name = {check["name"]: check for check in report["checks"]}
    for name in ("camera", "signature_pad", "scanner", "tesseract", "zbar", "disk"):
        assert by_name[name]["ok"], by_name[name]
    assert [c["name"] for c in report["checks"]] == ["camera", "signature_pad", "scanner", "tesseract",
                                                     "zbar", "keys", "vault", "clock", "disk", "receiver"]
    # an unprovisioned data dir: the device checks pass, the station checks say what to do
    assert not by_name["keys"]["ok"] and "provision" in by_name["keys"]["detail"]
    assert code == 1


def test_missing_devices_fail_and_name_the_first_fix(tmp_path: Path,
                                                     capsys: pytest.CaptureFixture) -> None:
    (tmp_path / "kiosk.toml").write_text(
        '[camera]\nbackend = "opencv"\ndevice = "/dev/video55"\n'
        '[pad]\nport = "/dev/ttyUSB55"\n[scanner]\nbackend = "simulated"\n')
    code = _run("doctor", "--data-dir", str(tmp_path))
    out, err = capsys.readouterr()
    assert code == 1
    assert "camera" in out and "FALLA" in out and "No se encontró el pad de firma" in out
    assert err.strip().splitlines() == [
        "Corrija primero: camera: No se encontró la cámara. Avise al personal técnico. "
        "(/dev/video55 does not exist)"]


def test_bad_config_is_one_line(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    (tmp_path / "kiosk.toml").write_text('[camera]\nbackend = 3\n')
    assert _run("doctor", "--data-dir", str(tmp_path)) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and "camera.backend" in err


def test_extra_checks_are_ordered_and_can_fail(tmp_path: Path) -> None:
    cfg = devices.load_config(tmp_path, simulated=True)
    extra = [lambda: doctor.Check("receiver", False, "sin enlace"),
             lambda: doctor.Check("keys", True, "llave del dispositivo"),
             lambda: doctor.check_disk(tmp_path)]
    checks = doctor.run_checks(cfg, extra)
    assert [c.name for c in checks] == ["camera", "signature_pad", "scanner", "tesseract", "zbar",
                                        "keys", "disk", "receiver"]
    assert doctor.first_failure(checks).name == "receiver"


def test_disk_check_threshold(tmp_path: Path) -> None:
    assert doctor.check_disk(tmp_path / "not" / "yet").ok
    low = doctor.check_disk(tmp_path, minimum=2**62)
    assert not low.ok and "poco espacio libre" in low.detail


def test_the_receiver_check_says_why_in_spanish(tmp_path: Path) -> None:
    """A receiver that is not running, or a name that does not resolve: it said the OS's English
    («Connection refused», «Name or service not known»)."""
    from kiosk.paths import DataDir

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        closed = s.getsockname()[1]  # free once the socket closes: nothing listens there
    device = DataDir(tmp_path).device_json
    device.parent.mkdir(parents=True, exist_ok=True)
    for url, words in ((f"http://127.0.0.1:{closed}", "rechazó la conexión"), ("https://no-existe.invalid", "no se encontró el servidor")):
        device.write_text(json.dumps({"receiver_url": url}))
        check = doctor.check_receiver(tmp_path, timeout=2)
        assert not check.ok and words in check.detail and "refused" not in check.detail and "known" not in check.detail, check.detail
