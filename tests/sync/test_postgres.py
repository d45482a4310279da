"""Scale-out: two receiver instances over one PostgreSQL database; an upload started on one is
resumed on the other (uploads in progress live in the database), and rules hold across both."""

from __future__ import annotations

import threading

import pytest
import sqlalchemy as sa

from sync.daemon import SyncDaemon, client_for
from sync.demo import setup_receiver
from sync.provision import provision
from central.receiver import store as st
from central.receiver.server import ThreadedServer, open_receiver
from sync.protocol import acuse_body

from tests.foundation.records import apoyo
from tests.sync.helpers import small_apoyo
from tests.sync.test_resume import _cut_patch, _wait_offset

pytestmark = pytest.mark.postgres


@pytest.fixture
def two_instances(tmp_path, postgres_db):
    server_a, receiver_a, token = setup_receiver(tmp_path / "receptor", db_url=postgres_db)
    receiver_b = open_receiver(tmp_path / "receptor", postgres_db)  # same keys, same database
    server_b = ThreadedServer(receiver_b).start()
    station = provision(tmp_path / "kiosko", server_a.url, token, municipio="MUESTRA")
    yield station, (server_a, receiver_a), (server_b, receiver_b)
    station.close()
    server_a.stop()
    server_b.stop()


def test_each_instance_resumes_the_others_upload(two_instances) -> None:
    station, (server_a, receiver_a), (server_b, _receiver_b) = two_instances
    assert receiver_a.engine.dialect.name == "postgresql"
    for first, second in ((server_a, server_b), (server_b, server_a)):
        env = station.vault.get(station.save_apoyo(apoyo(), "A0001").folio)
        on_first, on_second = client_for(station, first.url), client_for(station, second.url)
        url, _, _ = on_first.create_upload(env.folio, env.integrity, len(env.envelope))
        _cut_patch(station, first.port, url, env.envelope, 0, 25_000)  # the link to the first instance drops
        assert _wait_offset(on_first, url, 25_000) == 25_000
        moved = url.replace(first.url, second.url)  # the load balancer now sends us to the other one
        assert on_second.offset(moved) == 25_000
        result = on_second.upload(env.envelope, env.folio, env.integrity, moved)
        assert result.bytes_sent == len(env.envelope) - 25_000
        assert acuse_body(result.acuse)["verdict"] == "aceptado"
        assert station.apply_acuse(result.acuse) == "deleted"
    assert receiver_a.counts()["received"] == 2


def test_two_kiosks_syncing_through_both_instances_at_once_store_each_envelope_once(two_instances, tmp_path) -> None:
    station, (server_a, receiver_a), (server_b, receiver_b) = two_instances
    other = provision(tmp_path / "kiosko2", server_b.url, receiver_b.issue_token("RM2026OAX"), municipio="MUESTRA")
    try:
        folios = [station.save_apoyo(small_apoyo(i), "A0001").folio for i in range(60)]
        folios += [other.save_apoyo(small_apoyo(1000 + i), "A0001").folio for i in range(60)]
        errors: list[BaseException] = []

        def run(kiosk, url: str) -> None:
            try:
                daemon = SyncDaemon(kiosk, client_for(kiosk, url), lotes=False)
                for _ in range(5):
                    if not kiosk.vault.pending():
                        return
                    daemon.run_once()
            except BaseException as exc:  # reported below
                errors.append(exc)

        threads = [threading.Thread(target=run, args=(station, server_a.url)), threading.Thread(target=run, args=(other, server_b.url))]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert not errors
        assert station.vault.counts()["deleted"] == other.vault.counts()["deleted"] == 60
        with receiver_b.engine.connect() as c:
            stored = [r[0] for r in c.execute(sa.select(st.envelopes.c.folio))]
        assert sorted(stored) == sorted(folios)
    finally:
        other.close()
