"""The person fields read from sealed envelopes are kept sealed in packs of bounded size: each
envelope is opened once, later reads come from the packs, and every read returns the same fields
in folio order."""

from __future__ import annotations

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
