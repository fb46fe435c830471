"""Settings, read once from the environment (prefix-free names, listed in README.md)."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_file=".env", extra="ignore")

    # Without DATABASE_URL the gateway runs an embedded PostgreSQL under DATA_DIR.
    # DATABASE_URL is the application's login (a role that owns nothing and cannot bypass
    # row-level security); migrations use MIGRATION_DATABASE_URL (the owner) when set.
    database_url: str | None = None
    migration_database_url: str | None = None
    app_db_role: str = "campus_app"
    data_dir: Path = Path(".data")
    host: str = "127.0.0.1"
    port: int = 8000
    workers: int = 1
    db_pool_size: int = 10
    db_pool_overflow: int = 5
    db_statement_timeout_ms: int = 30_000  # PostgreSQL stops a statement running longer (0: no limit)
    db_idle_in_transaction_ms: int = 60_000  # and ends a session idle inside a transaction that long

    # GraphQL surface
    graphiql: bool = True
    introspection: bool = True
    query_stats: bool = Field(default=False, description="SQL statement counts in response extensions")
    max_depth: int = 12
    max_aliases: int = 30
    max_tokens: int = 2000
    max_cost: int = 5000
    max_field_comparisons: int = 2000  # work of graphql-core's overlapping-fields rule (quadratic)
    max_batch: int = 10
    max_page_size: int = 100
    default_page_size: int = 20
    document_cache_size: int = 1000

    # Tokens (keys: JWT_PRIVATE_KEYS = JSON {kid: Ed25519 private key PEM}, newest kid signs;
    # without it, development keys are generated into DATA_DIR/jwt-keys.json)
    jwt_private_keys: str | None = None
    jwt_active_kid: str | None = None
    jwt_issuer: str = "campus-gateway"
    jwt_audience: str = "campus-api"
    access_token_minutes: int = 15
    refresh_token_days: int = 30
    password_reset_minutes: int = 30
    login_max_failures: int = 5  # per account, before a growing lockout
    login_lockout_seconds: int = 60  # first lockout; doubles with each further failure
    login_ip_max_failures: int = 30  # per address within login_window_minutes
    login_window_minutes: int = 15
    public_url: str = "http://127.0.0.1:8000"

    # Files (student documents): stored under UPLOAD_DIR (default DATA_DIR/uploads)
    upload_dir: Path | None = None
    max_upload_bytes: int = 5_000_000

    # Logging
    log_level: str = "INFO"
    log_json: bool = True


@lru_cache
def get_settings() -> Settings:
    return Settings()
