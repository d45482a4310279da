"""The throwaway PostgreSQL server of the sync tests, for the PostgreSQL run of this flow."""

from tests.sync.conftest import postgres_db, postgres_url  # noqa: F401 (fixtures)
