"""Shared fixtures: a device station with a signed configuration, and a real receiver on loopback."""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path

import pytest
from nacl.public import PrivateKey
from nacl.signing import SigningKey

from kiosk import sealing
from kiosk.domain import HORA_CENTRO, Auxiliar, Process, ProcessKind
from kiosk.procconfig import auxiliar_to_dict, process_to_dict
from kiosk.station import DeviceIdentity, Station, create_station


class Authority:
    """The receiver's keys, for tests that build a station without a receiver."""

    def __init__(self) -> None:
        self.signing = SigningKey.generate()
        self.sealing = PrivateKey.generate()

    def config_doc(self, process: Process, roster: list[Auxiliar], device_id: str = "D0001") -> dict:
        body = {
            "process": process_to_dict(process),
            "roster": [auxiliar_to_dict(a) for a in roster],
            "device": {"device_id": device_id, "status": "activo"},
            "self_service": False,
        }
        return sealing.sign_document(body, "config", self.signing)

    def sealing_keys(self) -> dict:
        return {sealing.key_id(bytes(self.sealing.public_key)): self.sealing}


def demo_process(start_days: float = -1, end_days: float = 30) -> Process:
    now = datetime.now(HORA_CENTRO)
    return Process(
        process_id="P100", kind=ProcessKind.CONSULTA_POPULAR, entity="20", name="Consulta MUESTRA",
        promovente="Promovente MUESTRA", denomination="¿Pregunta de prueba?", manifest_text="Texto MUESTRA",
        period_start=now + timedelta(days=start_days), period_end=now + timedelta(days=end_days),
    )


def demo_roster() -> list[Auxiliar]:
    alta = datetime.now(HORA_CENTRO) - timedelta(days=2)
    return [
        Auxiliar("A1", "P100", "ANA", "MUESTRA", "PRUEBA", "a1@muestra.invalid", alta),
        Auxiliar("A2", "P100", "LUIS", "EJEMPLO", "", "a2@muestra.invalid", alta,
                 baja_at=alta + timedelta(hours=1), baja_reason="renuncia"),
    ]


@pytest.fixture
def authority() -> Authority:
    return Authority()


def build_station(root: Path, authority: Authority, process: Process | None = None,
                  roster: list[Auxiliar] | None = None) -> Station:
    identity = DeviceIdentity(
        device_id="D0001", receiver_url="http://127.0.0.1:9", authority_key=bytes(authority.signing.verify_key),
        sealing_key=bytes(authority.sealing.public_key), municipio="MUESTRA",
    )
    station = create_station(root, identity, SigningKey.generate())
    station.store_config(authority.config_doc(process or demo_process(), roster or demo_roster()), "etag-1")
    return station


@pytest.fixture
def station(tmp_path: Path, authority: Authority):
    st = build_station(tmp_path / "kiosko", authority)
    yield st
    st.close()


@pytest.fixture
def receiver_env(tmp_path: Path):
    """A real receiver (SQLite) served by uvicorn on loopback, with the demo process and roster."""
    from sync.demo import setup_receiver

    server, receiver, token = setup_receiver(tmp_path / "receptor")
    yield server, receiver, token
    server.stop()


@pytest.fixture
def provisioned(tmp_path: Path, receiver_env):
    from sync.provision import provision

    server, receiver, token = receiver_env
    st = provision(tmp_path / "kiosko", server.url, token, municipio="MUESTRA")
    yield st, server, receiver
    st.close()


# The longest tests by their own call (make test's --durations, 2 cores), run first: begun last,
# one of them kept one xdist worker busy for a minute after the other had run out of tests.
# A name missing here only costs time; keep it to tests without an expensive module fixture.
LONGEST_FIRST = (
    "tests/sync/test_soak.py::test_two_thousand_pending_link_down_then_up",
    "tests/sync/test_bad_link.py::test_the_real_demo_through_the_proxy",
    "tests/sync/test_cut_link.py::test_a_link_that_cuts_every_40_kb_still_delivers_every_record",
    "tests/credential/test_row_blocks.py::test_the_mrz_is_looked_for_under_a_qr_only_the_finer_search_found",
    "tests/credential/test_screening.py::test_a_copy_read_through_a_band_across_its_sheet_is_screened_from_its_mrz_text",
    "tests/central/test_browser.py::test_an_opl_day_in_a_real_browser",
    "tests/credential/test_reading.py::test_both_sides_never_verify_a_wrong_field",
    "tests/sync/test_bad_link.py::test_two_thousand_envelopes_survive_a_bad_link_exactly_once",
)


def pytest_collection_modifyitems(items):
    rank = {name: i for i, name in enumerate(LONGEST_FIRST)}
    items.sort(key=lambda item: rank.get(item.nodeid.split("@")[0], len(rank)))
