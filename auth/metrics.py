"""Login failure and lockout counters (Prometheus, exposed by gateway/metrics.py on /metrics).

Defined here, below the resolvers that count them (resolvers/auth/service.py), because the
gateway floor may import the resolvers but not the other way round."""

from __future__ import annotations

from prometheus_client import Counter

LOGIN_FAILURES = Counter(
    "campus_login_failures",
    "Failed logins by reason (unknown_email, bad_password, inactive); locked-out attempts are counted apart.",
    ["reason"],
)
LOGIN_LOCKOUTS = Counter(
    "campus_login_lockouts",
    "Login attempts refused because the account or the address is locked after too many failures.",
)
