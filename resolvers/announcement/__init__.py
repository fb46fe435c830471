"""Announcements (models/announcement/): the workflows of schema/announcement.py and the jobs.

- `audience.py`: whom an announcement's targets and rules reach; the cached audience.
- `states.py`: the one place an announcement's status changes, each move a history row.
- `approval.py`: submission against the hostel's approval workflows and auto-approval rules,
  approving (never the author, distinct approvers), rejecting; the SLA escalation.
- `publishing.py`: publishing (recipients, version, delivery batches), the batch job that tells
  a batch through the notification pipeline, the mirror of the pipeline's deliveries.
- `scheduling.py`: the scheduling job: due publications, recurring announcements, expiry,
  overdue approvals; each due time executed once.
- `tracking.py`: the resident's reading, views and acknowledgements; engagement figures.
- `service.py`: drafting, targeting, and the GraphQL workflows.
"""
