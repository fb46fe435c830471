"""Settings, read once from the environment (prefix-free names, listed in README.md)."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_file=".env", extra="ignore")

    # Without DATABASE_URL the gateway runs an embedded PostgreSQL under DATA_DIR.
    database_url: str | None = None
    data_dir: Path = Path(".data")
    host: str = "127.0.0.1"
    port: int = 8000
    workers: int = 1
    db_pool_size: int = 10
    db_pool_overflow: int = 5

    # GraphQL surface
    graphiql: bool = True
    introspection: bool = True
    query_stats: bool = Field(default=False, description="SQL statement counts in response extensions")
    max_depth: int = 12
    max_aliases: int = 30
    max_tokens: int = 2000
    max_cost: int = 5000
    max_batch: int = 10
    max_page_size: int = 100
    default_page_size: int = 20
    document_cache_size: int = 1000

    # Logging
    log_level: str = "INFO"
    log_json: bool = True


@lru_cache
def get_settings() -> Settings:
    return Settings()
