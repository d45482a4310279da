"""Bad input at the end of a process gets a Spanish reason and changes nothing: a broken compulsa
template, situación registral files that are wrong in each way, an audiencia taken out of order,
an audiencia without its 48 hours of notice to INE, an OPL key that is not one, a purge before
results exist."""

from __future__ import annotations

import json
import time

import pytest
import sqlalchemy as sa
from nacl.public import PrivateKey

from central import audiencia, compulsa, results, retention
from central import tables as t
from central.receiver import migrations
from central.receiver import store as st
from central.records import RecordError, set_status
from tests.central_followup.helpers import capture_and_process

PROCESS = "RM2026OAX"
IN_3_DAYS = time.time() + 3 * 86400  # past the 48 hours of notice to INE (§11.3)


def test_a_template_names_its_version_and_only_known_fields() -> None:
    custom = compulsa.Template.from_toml(
        'version = "ine-compulsa/2025-10"\ndelimiter = "|"\n'
        '[[columns]]\nheader = "ID"\nfield = "folio"\n[[columns]]\nheader = "CVE"\nfield = "clave_elector"\n')
    assert custom.version == "ine-compulsa/2025-10" and [c.field for c in custom.columns] == ["folio", "clave_elector"]
    with pytest.raises(RecordError, match="campos desconocidos: curp"):
        compulsa.Template.from_toml('version = "x"\n[[columns]]\nheader = "C"\nfield = "curp"\n')
    with pytest.raises(RecordError, match="no es válida"):
        compulsa.Template.from_toml("version = \n")
    with pytest.raises(RecordError, match="no es válida"):
        compulsa.Template.from_toml('columns = []\n')


def test_situacion_words_as_ine_writes_them() -> None:
    assert compulsa._situacion("En Padrón") == "en_padron"
    assert compulsa._situacion("PADRON ELECTORAL") == "en_padron"
    assert compulsa._situacion("Lista Nominal") == "en_lista_nominal"
    assert compulsa._situacion("Datos no encontrados") == "datos_no_encontrados"
    assert compulsa._situacion("Baja por suspensión de derechos") == "baja"
    assert compulsa._motivo("Baja por suspensión de derechos") == "suspension_derechos"
    assert compulsa._motivo("Cancelación de trámite") == "cancelacion_tramite"
    assert compulsa._motivo("Duplicado en padrón") == "duplicado_padron"
    assert compulsa._motivo("defunción") == "defuncion"
    assert compulsa._situacion("Vigente tal vez") is None and compulsa._motivo("por capricho") is None


@pytest.fixture
def compulsed(provisioned):
    station, _server, receiver = provisioned
    apps, cedulas = capture_and_process(station, receiver, apps=2, cedulas=1)
    with receiver.engine.begin() as c:
        for f in apps + cedulas:
            set_status(c, f, "para_compulsa")
    return receiver, apps + cedulas


def _count(engine, table) -> int:
    with engine.connect() as c:
        return c.execute(sa.select(sa.func.count()).select_from(table)).scalar()


@pytest.mark.parametrize("content, problem", [
    (b"folio;situacion\n", "faltan columnas"),
    ("folio,situacion\n{0},En Padrón\n".encode("latin-1"), "UTF-8 (si viene de Excel, guárdelo como «CSV UTF-8"),
    (b"folio,situacion\n{0},En Padron\n{0},Datos no encontrados\n", "viene dos veces"),
    (b"folio,situacion\n{0},En Padron\n{1},Lo que sea\n", "fila 3: situación registral desconocida «Lo que sea»"),
    (b"folio,situacion,motivo_baja\n{0},Baja,por capricho\n", "motivo de baja desconocido"),
    (b"folio,situacion\nRM2026OAX-A0009-D0009-000001,En Padron\n", "no es un apoyo de RM2026OAX"),
])
def test_a_wrong_situacion_file_applies_nothing(compulsed, content, problem) -> None:
    receiver, folios = compulsed
    data = content.replace(b"{0}", folios[0].encode()).replace(b"{1}", folios[1].encode())
    result = compulsa.import_situacion(receiver.engine, PROCESS, data)
    assert result.applied == 0 and any(problem in p for p in result.problems), result.problems
    assert _count(receiver.engine, t.situacion_registral) == 0


def test_a_later_file_replaces_an_answer_and_keeps_the_rest(compulsed) -> None:
    receiver, folios = compulsed
    first = "\n".join(["folio,situacion", *(f"{f},Datos no encontrados" for f in folios)]).encode()
    assert compulsa.import_situacion(receiver.engine, PROCESS, first).applied == 3
    second = f"folio,situacion,seccion\n{folios[0]},En Padrón,0412\n".encode()
    result = compulsa.import_situacion(receiver.engine, PROCESS, second)
    assert (result.applied, result.unchanged) == (1, 0)
    with receiver.engine.connect() as c:
        rows = {r.folio: (r.situacion, r.seccion) for r in c.execute(sa.select(t.situacion_registral))}
    assert rows[folios[0]] == ("en_padron", "0412") and rows[folios[1]] == ("datos_no_encontrados", "")


def test_an_audiencia_is_notified_to_ine_48_hours_ahead(compulsed) -> None:
    """Seed 001 §11.3: the OPL notifies INE of a session 48 hours ahead, naming the officials, the
    user accounts and the records; a session sooner than that is refused with the first possible
    date, and the notice's time is kept (on the session, its notice and its acta)."""
    receiver, folios = compulsed
    with receiver.engine.begin() as c:
        set_status(c, folios[0], "con_inconsistencia", "l) firma distinta")
    officials = [audiencia.Official("LIC. ANA MUESTRA", "Titular")]
    notified = 1_800_000_030.0  # 2027-01-15 02:00:30 hora del Centro
    with pytest.raises(audiencia.AudienciaError, match=r"al menos 48 horas después del aviso al INE") as refused:
        audiencia.schedule(receiver.engine, PROCESS, notified + 48 * 3600 - 1, officials, ["C. PEDRO MUESTRA"],
                           notified_at=notified)
    assert "la fecha más próxima es el 2027-01-17 02:01 hora del Centro (UTC-06:00)" in str(refused.value)
    with receiver.engine.connect() as c:
        assert c.execute(sa.select(sa.func.count()).select_from(t.audiencias)).scalar() == 0, "nothing scheduled"
    assert audiencia.earliest(notified) == notified + 48 * 3600 + 30
    aid = audiencia.schedule(receiver.engine, PROCESS, audiencia.earliest(notified), officials, ["C. PEDRO MUESTRA"],
                             place="Sala MUESTRA", accounts=["oper2", "oper"], notified_at=notified)
    with receiver.engine.connect() as c:
        row = c.execute(sa.select(t.audiencias).where(t.audiencias.c.id == aid)).first()
    assert row.notified_at == notified and json.loads(row.accounts) == ["oper", "oper2"]
    aviso = audiencia.aviso_text(receiver.engine, aid)
    assert "Aviso emitido: 2027-01-15 02:00 hora del Centro (UTC-06:00)" in aviso
    assert "Fecha y hora de la sesión: 2027-01-17 02:01 hora del Centro (UTC-06:00)" in aviso
    assert "  - LIC. ANA MUESTRA, Titular" in aviso and "  - oper\n  - oper2" in aviso
    assert f"Carga de registros: 1\n  {folios[0]}" in aviso and "PERSONA" not in aviso
    audiencia.start(receiver.engine, aid)
    with receiver.engine.connect() as c:
        pdf = audiencia.acta_pdf(c, aid)
    import subprocess

    text = " ".join(subprocess.run(["pdftotext", "-", "-"], input=pdf, capture_output=True, check=True).stdout.decode().split())
    assert "Aviso al INE (§11.3): 2027-01-15 02:00 hora del Centro" in text and "oper, oper2" in text


def test_an_audiencia_keeps_its_order_and_its_lock(compulsed) -> None:
    receiver, folios = compulsed
    officials = [audiencia.Official("LIC. ANA MUESTRA", "Titular")]
    with pytest.raises(audiencia.AudienciaError, match="No hay registros que revisar"):
        audiencia.schedule(receiver.engine, PROCESS, IN_3_DAYS, officials, ["C. PEDRO MUESTRA"])
    with pytest.raises(audiencia.AudienciaError, match="no tienen inconsistencia"):
        audiencia.schedule(receiver.engine, PROCESS, IN_3_DAYS, officials, ["C. PEDRO MUESTRA"], [folios[0]])
    with receiver.engine.begin() as c:
        set_status(c, folios[0], "con_inconsistencia", "l) firma distinta")
    with pytest.raises(audiencia.AudienciaError, match="promovente"):
        audiencia.schedule(receiver.engine, PROCESS, IN_3_DAYS, officials, [])
    aid = audiencia.schedule(receiver.engine, PROCESS, IN_3_DAYS, officials, ["C. PEDRO MUESTRA"])
    with pytest.raises(audiencia.AudienciaError, match="programada: no se puede pasar a cerrada"):
        audiencia.close(receiver.engine, aid)
    with pytest.raises(audiencia.AudienciaError, match="ciérrela primero"):
        audiencia.acta(receiver.engine, aid)
    audiencia.start(receiver.engine, aid)
    with pytest.raises(audiencia.AudienciaError, match="no está asignado"):
        audiencia.decide(receiver.engine, aid, folios[1], official="X")
    with pytest.raises(audiencia.AudienciaError, match="no tiene situación registral"):
        audiencia.decide(receiver.engine, aid, folios[0], official="X", evidence="algo", new_situacion="en_padron",
                         reason="r")
    # A decision can be taken back before the close: the record returns to its status before.
    audiencia.decide(receiver.engine, aid, folios[0], official="X", new_status="para_compulsa", reason="firma igual")
    assert audiencia.decide(receiver.engine, aid, folios[0], official="X") == "mantiene"
    with receiver.engine.connect() as c:
        assert c.execute(sa.select(st.envelopes.c.status, st.envelopes.c.detail)
                         .where(st.envelopes.c.folio == folios[0])).one() == ("con_inconsistencia", "l) firma distinta")
    audiencia.close(receiver.engine, aid)
    with pytest.raises(audiencia.AudienciaError, match="cerrada"):
        audiencia.start(receiver.engine, aid)
    with pytest.raises(results.RecordError, match="resultados definitivos"):
        retention.purge(receiver.engine, receiver.keys.authority, PROCESS)


def test_an_open_audiencia_holds_the_definitive_results(compulsed) -> None:
    receiver, folios = compulsed
    with receiver.engine.begin() as c:
        set_status(c, folios[0], "con_inconsistencia", "a) otra cosa")
    audiencia.schedule(receiver.engine, PROCESS, IN_3_DAYS, [audiencia.Official("LIC. ANA MUESTRA")], ["C. PEDRO MUESTRA"])
    assert results.tally(receiver.engine, PROCESS, "preliminar").valid == 0
    with pytest.raises(RecordError, match="garantías de audiencia sin cerrar"):
        results.tally(receiver.engine, PROCESS, "definitivo")
    with pytest.raises(RecordError, match="Fase desconocida"):
        results.tally(receiver.engine, PROCESS, "final")


def test_an_opl_key_is_an_x25519_key() -> None:
    key = PrivateKey.generate().public_key
    raw = bytes(key)
    import base64

    for form in (raw, raw.hex().encode() + b"\n", base64.b64encode(raw)):
        assert bytes(results.load_public_key(form)) == raw
    for bad in (b"", b"no es una llave", b"-----BEGIN PUBLIC KEY-----\nMIIB\n"):
        with pytest.raises(RecordError, match="X25519"):
            results.load_public_key(bad)


def test_a_database_from_before_the_notice_gets_its_columns(tmp_path) -> None:
    """The receiver's migrations add the notice's columns to an audiencias table made before them;
    its sessions read as notice not recorded."""
    engine = sa.create_engine(f"sqlite:///{tmp_path / 'antes.db'}")
    st.metadata.create_all(engine)
    with engine.begin() as c:
        c.exec_driver_sql(
            "CREATE TABLE audiencias (id INTEGER PRIMARY KEY, process_id VARCHAR(40) NOT NULL, scheduled_for FLOAT NOT NULL,"
            " officials TEXT NOT NULL, promoventes TEXT NOT NULL, place VARCHAR(200) NOT NULL, status VARCHAR(16) NOT NULL,"
            " started_at FLOAT, closed_at FLOAT, acta_pdf BLOB, acta_sha256 VARCHAR(64))")
        c.exec_driver_sql("INSERT INTO audiencias (id, process_id, scheduled_for, officials, promoventes, place, status)"
                          " VALUES (1, 'RM2026OAX', 0, '[{\"nombre\": \"LIC. ANA MUESTRA\", \"cargo\": \"\"}]', '[\"C. PEDRO\"]',"
                          " '', 'programada')")
    assert migrations.upgrade(engine) == migrations.SCHEMA_VERSION
    assert {"notified_at", "accounts"} <= {col["name"] for col in sa.inspect(engine).get_columns("audiencias")}
    aviso = audiencia.aviso_text(engine, 1)
    assert "Aviso emitido: no registrado" in aviso and "(no indicadas)" in aviso
    engine.dispose()


def test_an_audiencia_with_long_allegations_closes_and_its_acta_keeps_every_word(compulsed, tmp_path) -> None:
    """A promovente's allegation as long as decide keeps (4 000 characters), the evidence and the
    motivo at theirs (2 000): closing failed on fpdf's «row … too high … on a single page» (the
    report's table cell), so the audiencia could not close. The table shows the start; the whole
    text follows in the acta's annex."""
    import subprocess

    receiver, folios = compulsed
    with receiver.engine.begin() as c:
        set_status(c, folios[0], "con_inconsistencia", "l) firma distinta")
    aid = audiencia.schedule(receiver.engine, PROCESS, 1_800_000_000.0, [audiencia.Official("LIC. ANA MUESTRA", "Titular")],
                             ["C. PEDRO MUESTRA"], notified_at=1_800_000_000.0 - 3 * 86400)
    audiencia.start(receiver.engine, aid)
    words = " ".join(f"palabra{i}" for i in range(600))
    allegation = (words + " FINDELAMANIFESTACION")[-4000:]
    audiencia.decide(receiver.engine, aid, folios[0], official="LIC. ANA MUESTRA", allegation=allegation,
                     evidence=words[:1980] + " FINDELAEVIDENCIA", new_status="para_compulsa", reason=words[:1985] + " FINDELMOTIVO")
    pdf = audiencia.close(receiver.engine, aid)
    (tmp_path / "acta.pdf").write_bytes(pdf)
    text = subprocess.run(["pdftotext", "-layout", str(tmp_path / "acta.pdf"), "-"], check=True, capture_output=True, text=True).stdout
    for end in ("FINDELAMANIFESTACION", "FINDELAEVIDENCIA", "FINDELMOTIVO"):
        assert end in text, end
    assert "completo en el anexo" in text
