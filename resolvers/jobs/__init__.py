"""Background and periodic jobs on PostgreSQL (procrastinate): the queue lives in the database we
already run, in the `procrastinate` schema (migration 9b1c4d2e7f30), so no broker is installed.

- `tasks.py`: the procrastinate `App`, the daily tasks (`accrue_late_fees(school_id, day)`,
  `compute_analytics(hostel_id, day)`), the periodic dispatcher that enqueues them once per
  tenant and local day, the stalled-job recovery, and `run_worker` (`campus worker`, and the
  worker `campus serve` runs in its process).
- `views.py`: what platform administrators read and do through GraphQL (schema/jobs.py):
  the jobs with status, attempts, times and last error, a failed job's retry, `queue_depth`.

A new domain declares its jobs in `tasks.py` with `@app.task(...)` and runs its work inside
`scoped(...)`: one transaction with the tenant's row-level scope, so a failure changes nothing.
"""
