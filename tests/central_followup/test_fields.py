"""The person fields read from sealed envelopes are kept sealed in packs of bounded size: each
envelope is opened once, later reads come from the packs, and every read returns the same fields
in folio order."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from central import records
from central import tables as t
from tests.central_followup.helpers import capture_and_process, clave

PROCESS = "RM2026OAX"


def test_each_envelope_is_opened_once_in_packs_of_bounded_size(provisioned, monkeypatch) -> None:
    station, _server, receiver = provisioned
    apps, cedulas = capture_and_process(station, receiver, apps=3, cedulas=2)
    folios = sorted(apps + cedulas)
    monkeypatch.setattr(records, "PACK_SIZE", 2)
    opened: list[str] = []
    real_open = records.open_records

    def counting_open(receiver_, wanted, *args):  # noqa: ANN001, ANN202
        opened.extend(wanted)
        return real_open(receiver_, wanted, *args)

    monkeypatch.setattr(records, "open_records", counting_open)
    first = list(records.persons(receiver, PROCESS, reversed(folios[:3])))
    assert [p.folio for p in first] == folios[:3] and sorted(opened) == folios[:3]
    everyone = list(records.persons(receiver, PROCESS, folios))
    assert sorted(opened) == folios, "records already in a pack are not opened again"
    assert [p.folio for p in everyone] == folios
    assert everyone[:3] == first
    by_folio = {p.folio: p.fields for p in everyone}
    assert by_folio[apps[0]]["clave_elector"] == clave(0) and by_folio[cedulas[0]]["modalidad"] == "cedula_papel"
    with receiver.engine.connect() as c:
        sizes = sorted(c.execute(sa.select(t.field_packs.c.records)).scalars())
        members = c.execute(sa.select(sa.func.count()).select_from(t.field_pack_members)).scalar()
    assert sizes == [1, 1, 1, 2] and members == 5, "at most PACK_SIZE records a pack"


def test_a_pack_of_the_first_format_reads_the_same(provisioned) -> None:
    """Packs sealed before version 2 (one JSON object of folio → [integrity, fields]) still open."""
    import json
    import os

    station, _server, receiver = provisioned
    apps, cedulas = capture_and_process(station, receiver, apps=1, cedulas=1)
    folios = sorted(apps + cedulas)
    fresh = {r.folio: [r.integrity, r.person] for r in records.open_records(receiver, folios)}
    box, pack_id = records.fields_key(receiver), os.urandom(16).hex()
    old = box.encrypt(json.dumps(fresh).encode(), records._pack_aad(pack_id, PROCESS))
    t.create_tables(receiver.engine)
    with receiver.engine.begin() as c:
        c.execute(t.field_packs.insert().values(pack_id=pack_id, process_id=PROCESS, created_at=0.0, records=2, box=old))
        c.execute(t.field_pack_members.insert(), [{"folio": f, "pack_id": pack_id} for f in folios])
    read = {p.folio: (p.integrity, p.fields) for p in records.persons(receiver, PROCESS, folios, open_missing=False)}
    assert read == {f: (integrity, fields) for f, (integrity, fields) in fresh.items()}
    assert read[cedulas[0]][1]["apellido_materno"] == "PAPEL" and read[apps[0]][1]["cic"] == "100000000"


def test_results_pack_the_valid_apoyos_not_packed_yet_or_say_so(provisioned, tmp_path) -> None:
    """The results read every person from the sealed packs; valid apoyos with no pack (here: the
    compulsa answer came for records never exported) are opened and packed first where the
    sealing keys are, and refused with the command to run where they are not (the web app)."""
    from nacl.public import PrivateKey

    from central import compulsa, results
    from central.records import NotPacked, set_status

    station, _server, receiver = provisioned
    apps, cedulas = capture_and_process(station, receiver, apps=2, cedulas=1)
    folios = sorted(apps + cedulas)
    with receiver.engine.begin() as c:
        for f in folios:
            set_status(c, f, "para_compulsa")
    list(records.persons(receiver, PROCESS, folios[:1]))  # one packed, two not
    answer = "folio,situacion,municipio,seccion\n" + "".join(f"{f},En Padrón,067,{1500 + i}\n" for i, f in enumerate(folios))
    assert compulsa.import_situacion(receiver.engine, PROCESS, answer.encode()).applied == 3
    opl = PrivateKey.generate()
    with pytest.raises(NotPacked, match="fields pack --process"):
        results.seal_results(receiver, PROCESS, opl.public_key, tmp_path / "web", open_missing=False)
    assert not (tmp_path / "web").exists(), "nothing is written before the refusal"
    sealed = results.seal_results(receiver, PROCESS, opl.public_key, tmp_path / "entrega")
    _header, rows = results.open_results(sealed.path.read_bytes(), receiver.keys.authority.verify_key, opl)
    assert sealed.records == 3 == results.tally(receiver.engine, PROCESS, "definitivo").valid
    assert {r["seccion"]: r["nombre_completo"] for r in rows} == {
        "1500": "PERSONA0 MUESTRA EJEMPLO", "1501": "PERSONA1 MUESTRA EJEMPLO", "1502": "PERSONA2 MUESTRA PAPEL"}
    with receiver.engine.connect() as c:
        assert c.execute(sa.select(sa.func.count()).select_from(t.field_pack_members)).scalar() == 3
        positions = dict(c.execute(sa.select(t.field_pack_members.c.folio, t.field_pack_members.c.position)).all())
    assert sorted(positions.values()) == [0, 0, 1], "each record's row in its pack (one pack of 1, one of 2)"

    # Packs made before positions were kept (NULL), or a position that does not match: read by folio.
    for broken in (None, 7):
        with receiver.engine.begin() as c:
            c.execute(t.field_pack_members.update().values(position=broken))
        again = results.seal_results(receiver, PROCESS, opl.public_key, tmp_path / f"entrega-{broken}")
        assert results.open_results(again.path.read_bytes(), receiver.keys.authority.verify_key, opl)[1] == rows


def test_the_results_csv_reads_back_whatever_a_name_holds() -> None:
    """The results write CSV lines themselves: as the csv module would, and a carriage return
    quoted too (the csv module leaves it bare with a "\\n" line end, and its reader then splits there)."""
    import csv
    import io

    from central import results

    for value in ("PERSONA", "", "DE LA O, MARÍA", 'JOSÉ "PEPE"', "LÍNEA\nDOS", "RETORNO\r", " ESPACIOS ", "ÑUÑO"):
        line = f"{results._csv_field(value)},x\n"
        assert list(csv.reader(io.StringIO(line))) == [[value, "x"]], value
        if "\r" not in value:
            buf = io.StringIO()
            csv.writer(buf, lineterminator="\n").writerow([value, "x"])
            assert line == buf.getvalue(), value


def test_a_pack_reads_its_fields_by_name_whatever_order_it_was_written_in() -> None:
    """A version-2 pack written with fields in another order (or one more, one fewer) reads by
    name; the wrong process or a tampered box is refused in Spanish."""
    import json
    import os

    from nacl.secret import Aead

    box = Aead(os.urandom(32))
    doc = {"v": 2, "fields": ["clave_elector", "nombres", "curp"], "rows": [["F1", "abc", "CLAVE1", "ANA", "X"]]}
    sealed = box.encrypt(json.dumps(doc).encode(), records._pack_aad("p1", PROCESS))
    row = records.open_pack(box, "p1", PROCESS, sealed)["F1"]
    assert row[0] == "abc" and dict(zip(records.PACK_FIELDS, row[1:])) == {
        **{k: "" for k in records.PACK_FIELDS}, "clave_elector": "CLAVE1", "nombres": "ANA"}
    with pytest.raises(records.RecordError, match="no corresponden a su llave o a su proceso"):
        records.open_pack(box, "p1", "OTRO", sealed)
    fresh = {"F2": ("def", {k: k.upper() for k in records.PACK_FIELDS})}
    again = records.open_pack(box, "p2", PROCESS, records.seal_pack(box, "p2", PROCESS, fresh))
    assert again == {"F2": ["def", *(k.upper() for k in records.PACK_FIELDS)]}
