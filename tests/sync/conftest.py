"""Fixtures for the sync tests: a throwaway PostgreSQL server for the session (see pgserver.py)
and a fresh database on it per test."""

from __future__ import annotations

import pytest

from tests.sync.pgserver import create_database, drop_database, throwaway_postgres


@pytest.fixture(scope="session")
def postgres_url():
    with throwaway_postgres() as url:
        yield url


@pytest.fixture
def postgres_db(postgres_url):
    url = create_database(postgres_url)
    yield url
    drop_database(url)
