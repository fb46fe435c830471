"""Settings, read once from the environment (prefix-free names, listed in README.md)."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import Field, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

# Development: a dashboard or app served by a dev server on this machine, any port.
LOCAL_ORIGINS = r"^https?://(localhost|127\.0\.0\.1|\[::1\])(:\d+)?$"


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
    # Each request holds exactly one connection (kit/db.py). A fixed pool that is never
    # exceeded opens its connections once and keeps them: overflow connections are closed as
    # soon as they come back, so 10 + 5 opened and closed 55-105 connections per 10 s under
    # 16 concurrent clients (issue 14), each a PostgreSQL process to fork and authenticate.
    # 20 covers the bench's 16 clients and a hostel_read beside them; past that, requests
    # wait for a connection (2 cores answer no faster with more of them in flight).
    db_pool_size: int = 20
    db_pool_overflow: int = 0
    db_statement_timeout_ms: int = 30_000  # PostgreSQL stops a statement running longer (0: no limit)
    db_idle_in_transaction_ms: int = 60_000  # and ends a session idle inside a transaction that long
    # DATABASE_URL leads to PgBouncer in transaction pooling mode (docs/deployment.md): no
    # prepared statement outlives its transaction, and the two timeouts above are the role's
    # (ALTER ROLE ... SET), as PgBouncer refuses them as start-up parameters.
    db_pgbouncer: bool = False
    # Faults (issue 17). A request waits at most DB_POOL_TIMEOUT_MS for a pooled connection, then
    # is refused (503 + Retry-After) instead of queueing for seconds; opening a connection to a
    # server that does not answer gives up after DB_CONNECT_TIMEOUT_SECONDS.
    db_pool_timeout_ms: int = Field(default=2_000, ge=1)
    db_connect_timeout_seconds: float = Field(default=5.0, gt=0)
    # Admission per process (gateway/limits.py Admission): at most MAX_IN_FLIGHT /graphql requests
    # run at once (default: DB_POOL_SIZE - 1: one connection each, and one spare for a request's
    # second, short-lived one: hostel_read, kit/db.py), MAX_QUEUED more wait at most
    # QUEUE_WAIT_MS; past that a request is refused at once (503). Anonymous callers may fill
    # only half of the queue, so they are shed first. MAX_IN_FLIGHT=0: no admission control.
    max_in_flight: int | None = Field(default=None, ge=0)
    max_queued: int = Field(default=50, ge=0)
    queue_wait_ms: int = Field(default=1_000, ge=0)
    # Graceful stop (SIGTERM): in-flight requests get SHUTDOWN_GRACE_SECONDS to finish (uvicorn's
    # timeout_graceful_shutdown), running jobs JOB_SHUTDOWN_SECONDS (then they go back to the queue).
    shutdown_grace_seconds: float = Field(default=20.0, ge=0)
    job_shutdown_seconds: float = Field(default=20.0, ge=0)
    # `campus serve`'s event loop (gateway/cli.py): uvloop answers a third to a half more reads
    # per second (bench/README.md, issue 14); asyncio accepts a burst of new connections at once
    # where libuv accepts one per turn of the loop, so under overload its tail is shorter
    # (bench/README.md, "Overload": p99 at 800 connections 0.16 s against 0.85 s)
    event_loop: Literal["asyncio", "uvloop"] = "uvloop"

    # ENV=production switches the developer conveniences off together (GraphiQL, introspection,
    # "did you mean" suggestions, statement counts) and refuses generated development keys.
    # Each can still be set on its own; unset, it follows ENV.
    env: Literal["development", "production"] = "development"

    # GraphQL surface
    graphiql: bool | None = None
    introspection: bool | None = None
    suggestions: bool | None = None
    query_stats: bool | None = Field(default=None, description="SQL statement counts in response extensions")
    # Issue 14 item 5: root connections and node(id:) whose selection is pure data (columns,
    # relations, connections) are answered with JSON that PostgreSQL builds, spliced into the
    # response undecoded (kit/sql_json.py); SQL_JSON=false answers every read in Python.
    sql_json: bool = True
    # with SQL_JSON: a query whose root fields are all answered by PostgreSQL's JSON skips
    # graphql-core's execution (kit/direct.py); DIRECT_READS=false always executes
    direct_reads: bool = True

    # Browsers: origins allowed to call the API from another site (comma-separated, or "*").
    # Unset: in development any localhost origin; in production none (same-origin only).
    # Tokens travel in the Authorization header, never in cookies: no credentials mode.
    cors_origins: str | None = None
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

    # Rate limits (kit/ratelimit.py): each request's cost is charged to the caller (user, or
    # address when anonymous) per window, in PostgreSQL (shared by every process); 0 = no limit.
    # TRUSTED_PROXIES: addresses of reverse proxies whose X-Forwarded-For gives the client address
    # (comma-separated addresses or networks, "*" for any); unset, the header is ignored.
    rate_limit_window_seconds: int = Field(default=60, ge=1)
    rate_limit_anonymous: int = Field(default=200_000, ge=0)
    rate_limit_user: int = Field(default=1_000_000, ge=0)
    rate_limit_platform: int = Field(default=5_000_000, ge=0)
    trusted_proxies: str | None = None

    # Files (student documents): stored under UPLOAD_DIR (default DATA_DIR/uploads)
    upload_dir: Path | None = None
    max_upload_bytes: int = 5_000_000
    # Hostel files (kit/storage.py, resolvers/file_management/): where they are kept, the largest
    # file a resumable upload may assemble, the default quotas (bytes of every version kept) of a
    # hostel and of one user in it, and how long a signed download URL lives
    file_storage: Literal["local", "s3"] = "local"
    file_storage_dir: Path | None = None
    s3_bucket: str | None = None
    s3_prefix: str = ""
    s3_endpoint_url: str | None = None
    file_max_bytes: int = Field(default=100_000_000, ge=1)
    file_quota_hostel_bytes: int = Field(default=2_000_000_000, ge=0)
    file_quota_user_bytes: int = Field(default=200_000_000, ge=0)
    file_url_seconds: int = Field(default=300, ge=1, le=86_400)

    # Responses larger than this many bytes are compressed (zstd, brotli or gzip, as the client accepts)
    compress_min_bytes: int = 500

    # Background jobs (resolvers/jobs/): `campus serve` runs a worker in its own process unless
    # WORKER_IN_PROCESS=false (production: `campus worker` runs apart). A worker beats every
    # JOB_HEARTBEAT_SECONDS; a job whose worker has been silent JOB_STALLED_SECONDS is run again.
    worker_in_process: bool = True
    worker_concurrency: int = 2
    job_heartbeat_seconds: float = 10.0
    job_stalled_seconds: float = 60.0
    # /metrics (gateway/metrics.py; METRICS=false: not served nor measured): open in development; in production served only with
    # METRICS_TOKEN, which the scraper sends as a bearer token. Distinct operation names that get
    # their own label per process (later ones are counted as "other").
    metrics: bool = True
    metrics_token: str | None = None
    metrics_max_operations: int = 200

    # Traces (gateway/tracing.py), off by default. The standard OpenTelemetry variables:
    # OTEL_TRACES_EXPORTER=otlp (or console) switches them on, OTEL_SDK_DISABLED=true off again;
    # the exporter reads OTEL_EXPORTER_OTLP_* itself, the SDK OTEL_SERVICE_NAME and OTEL_TRACES_SAMPLER.
    otel_traces_exporter: str | None = None
    otel_sdk_disabled: bool = False

    # Live updates (GraphQL subscriptions over WebSocket, gateway/live.py): one LISTEN connection
    # per process, to LIVE_DATABASE_URL when set (behind PgBouncer in transaction mode a LISTEN
    # does not hold: point it at PostgreSQL itself), else DATABASE_URL. A socket's token is checked
    # again before each event, when its session is revoked, and every LIVE_RECHECK_SECONDS.
    live_database_url: str | None = None
    live_recheck_seconds: float = Field(default=30.0, gt=0)
    live_max_subscriptions: int = Field(default=20, ge=1)  # per socket

    # Logging (unset: JSON lines in production, readable lines in development)
    log_level: str = "INFO"
    log_json: bool | None = None
    # The line per request (gateway/app.py): "notable" logs a request answered 4xx/5xx or
    # slower than LOG_SLOW_MS (what an operator follows up by its request id); "all" every
    # request, an access log. Counts and latencies of every request are in /metrics either
    # way; one INFO line per request cost 4% of the CPU on small reads (issue 14).
    log_requests: Literal["all", "notable"] = "notable"
    log_slow_ms: float = Field(default=500.0, ge=0)

    @property
    def production(self) -> bool:
        return self.env == "production"

    @model_validator(mode="after")
    def _follow_env(self) -> "Settings":
        development = not self.production
        for name in ("graphiql", "introspection", "suggestions", "query_stats"):
            if getattr(self, name) is None:
                setattr(self, name, development)
        if self.log_json is None:
            self.log_json = self.production
        if self.max_in_flight is None:
            self.max_in_flight = max(1, self.db_pool_size - 1)
        return self

    def cors(self) -> tuple[list[str], str | None]:
        """(allowed origins, allowed origin regex) for the CORS middleware."""
        if self.cors_origins is None:
            return ([], None) if self.production else ([], LOCAL_ORIGINS)
        origins = [o.strip().rstrip("/") for o in self.cors_origins.split(",") if o.strip()]
        return origins, None


@lru_cache
def get_settings() -> Settings:
    return Settings()
