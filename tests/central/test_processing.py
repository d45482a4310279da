"""The processing step and the admin CLI, on a real receiver (loopback) and real kiosk vaults:
the bugs an OPL found (roster reload, sin_firma, the auxiliar's registration, a person tag that
differed between modalities, counts of every process, a default data dir created by surprise)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import datetime, timedelta

import sqlalchemy as sa

from kiosk.domain import HORA_CENTRO, AuxiliarRegistration, Inconsistencia
from sync.daemon import SyncDaemon
from sync.demo import DEMO_PROCESS, ROSTER_HEADER
from central import mesa
from central.processing import process_envelopes, status_counts
from central.receiver import admin
from central.receiver import store as st
from tests.foundation.records import apoyo, manual

CLAVE = "GOMZQX85010109H123"


def _sync_and_process(station, receiver) -> dict[str, tuple[str, str]]:  # noqa: ANN001
    assert SyncDaemon(station).run_once().link_ok and station.vault.pending() == []
    process_envelopes(receiver)
    with receiver.engine.connect() as c:
        return {r.folio: (r.status, r.detail) for r in c.execute(sa.select(st.envelopes.c.folio, st.envelopes.c.status, st.envelopes.c.detail))}


def _roster(receiver) -> dict[str, dict]:  # noqa: ANN001
    with receiver.engine.connect() as c:
        return {r.auxiliar_id: json.loads(r.body) for r in c.execute(sa.select(st.auxiliares))}


def test_reloading_the_roster_keeps_a_baja(receiver_env) -> None:
    _server, receiver, _token = receiver_env
    before = _roster(receiver)["A0002"]
    receiver.baja_auxiliar(DEMO_PROCESS, "A0002", "renuncia")
    csv = ROSTER_HEADER + "A0002,JUAN FICTICIO,DEMOSTRACIÓN,SIMULADO,nuevo@muestra.invalid\nA0003,ROSA,MUESTRA,,r@muestra.invalid\n"
    assert admin.load_roster(receiver, DEMO_PROCESS, csv) == (2, [])
    after = _roster(receiver)
    assert after["A0002"]["baja_at"] and after["A0002"]["baja_reason"] == "renuncia"
    assert after["A0002"]["alta_at"] == before["alta_at"], "the first alta stays"
    assert after["A0002"]["email"] == "nuevo@muestra.invalid", "the rest of the row is updated"
    assert after["A0003"]["baja_at"] is None


def test_manual_sin_firma_is_an_inconsistency_and_suggests_m(provisioned) -> None:
    station, _server, receiver = provisioned
    record = manual(CLAVE)
    record.inconsistencia = Inconsistencia.SIN_FIRMA
    folio = station.save_manual(record, "A0001")
    status, detail = _sync_and_process(station, receiver)[folio]
    assert status == "con_inconsistencia" and "sin_firma" in detail
    row = mesa.get(receiver.engine, folio)
    assert row["suggestion"] == "m" and row["flags"] == ["manual:sin_firma"]


def test_auxiliar_registration_has_its_own_review_and_is_not_an_apoyo(provisioned) -> None:
    station, _server, receiver = provisioned
    reg = AuxiliarRegistration(front_image=os.urandom(900), back_image=os.urandom(900), live_photo=os.urandom(500),
                               signature_trajectory={"width": 10, "height": 5, "points": [[0, 1, 2, 3, 1]]},
                               signature_png=os.urandom(64), email="a0001@muestra.invalid")
    folio = station.save_auxiliar_registration(reg, "A0001").folio
    apoyo_folio = station.save_apoyo(apoyo(), "A0001").folio
    statuses = _sync_and_process(station, receiver)
    assert statuses[folio][0] == "registro_auxiliar"
    assert statuses[apoyo_folio][0] == "en_mesa_de_control"
    with receiver.engine.connect() as c:
        tagged = set(c.execute(sa.select(st.apoyo_persons.c.folio)).scalars())
    assert folio not in tagged and apoyo_folio in tagged, "an auxiliar registration claims no apoyo person"
    assert mesa.get(receiver.engine, folio)["kind"] == "auxiliar"


def test_manual_cedula_and_app_apoyo_with_the_same_clave_are_one_person(provisioned) -> None:
    station, _server, receiver = provisioned
    app = apoyo()
    app.fields["clave_elector"] = {"value": CLAVE, "source": "ocr", "verified": True}
    first = station.save_apoyo(app, "A0001").folio
    paper = station.save_manual(manual(CLAVE, "OTRO", n=7), "A0002")
    statuses = _sync_and_process(station, receiver)
    assert statuses[first][0] == "en_mesa_de_control"
    assert statuses[paper] == ("duplicado", f"igual a {first}")


def test_app_apoyo_without_clave_is_found_by_ocr_on_the_cedula(provisioned) -> None:
    station, _server, receiver = provisioned
    app = apoyo()  # CIC only... and the OCR the MRZ gave
    app.fields["ocr"] = {"value": "1234567890123", "source": "mrz", "verified": True}
    first = station.save_apoyo(app, "A0001").folio
    paper = manual(CLAVE, n=8)
    paper.ocr = "1234567890123"
    dup = station.save_manual(paper, "A0001")
    assert _sync_and_process(station, receiver)[dup] == ("duplicado", f"igual a {first}")


def _cli(*args: str, env: dict | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "central.receiver.cli", *args], capture_output=True, text=True,
                          timeout=60, env=env or os.environ.copy())


def test_acuses_json_counts_only_the_asked_process(provisioned, tmp_path) -> None:
    station, _server, receiver = provisioned
    station.save_apoyo(apoyo(), "A0001")
    _sync_and_process(station, receiver)
    now = datetime.now(HORA_CENTRO)
    admin.create_process(receiver, process_id="OTRO2026", kind="consulta_popular", name="Otro", entity="20",
                         promovente="P", denomination="D", manifest_text="M", start=now, end=now + timedelta(days=3))
    data = str(receiver.keys.root)
    other = json.loads(_cli("--data-dir", data, "acuses", "--process", "OTRO2026", "--json").stdout)
    assert other["acuses"] == [] and other["counts"] == {"received": 0, "by_status": {}}
    mine = json.loads(_cli("--data-dir", data, "acuses", "--process", DEMO_PROCESS, "--json").stdout)
    assert mine["counts"]["received"] == 1 == len(mine["acuses"])
    assert status_counts(receiver.engine)["received"] == 1


def test_admin_commands_refuse_a_data_dir_never_initialised(tmp_path) -> None:
    empty = tmp_path / "no-es-receptor"
    env = dict(os.environ, APOYO_KIOSK_DATA=str(empty))
    out = _cli("acuses", "--json", env=env)
    assert out.returncode != 0 and "no tiene un receptor inicializado" in out.stderr and "init" in out.stderr
    assert not empty.exists(), "nothing was created"
    assert _cli("init", env=env).returncode == 0
    assert (empty / "keys" / "authority.key").exists()
    assert json.loads(_cli("acuses", "--json", env=env).stdout)["counts"]["received"] == 0


def test_first_administrator_from_the_cli_and_the_web_command(tmp_path) -> None:
    import time

    import requests

    from central.receiver.server import free_port

    data = str(tmp_path / "receptor")
    assert _cli("--data-dir", data, "init").returncode == 0
    weak = subprocess.run([sys.executable, "-m", "central.receiver.cli", "--data-dir", data, "create-admin", "ana", "--password-stdin"],
                          input="corta\n", capture_output=True, text=True, timeout=60)
    assert weak.returncode != 0 and "al menos 10 caracteres" in weak.stderr
    made = subprocess.run([sys.executable, "-m", "central.receiver.cli", "--data-dir", data, "create-admin", "ana", "--password-stdin"],
                          input="una-contrasena-larga\n", capture_output=True, text=True, timeout=60)
    assert made.returncode == 0 and "ana" in made.stdout
    second = subprocess.run([sys.executable, "-m", "central.receiver.cli", "--data-dir", data, "create-admin", "beto", "--password-stdin"],
                            input="otra-contrasena-larga\n", capture_output=True, text=True, timeout=60)
    assert second.returncode != 0 and "Ya hay una cuenta de administración" in second.stderr

    port = free_port()
    web = subprocess.Popen([sys.executable, "-m", "central.receiver.cli", "--data-dir", data, "web", "--port", str(port)],
                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        base = f"http://127.0.0.1:{port}"
        for _ in range(100):
            try:
                requests.get(base + "/login", timeout=1)
                break
            except requests.ConnectionError:
                time.sleep(0.1)
        s = requests.Session()
        r = s.post(base + "/login", data={"usuario": "ana", "contrasena": "una-contrasena-larga"})
        assert r.status_code == 200 and r.url.endswith("/procesos") and "Registrar un proceso" in r.text
        assert r.headers["cache-control"] == "no-store" and "frame-ancestors 'none'" in r.headers["content-security-policy"]
        cookie = next(c for c in s.cookies if c.name == "apoyo_sesion")
        assert cookie.has_nonstandard_attr("HttpOnly") or cookie._rest.get("HttpOnly") is not None
    finally:
        web.terminate()
        web.wait(timeout=10)
