"""The complaint workflows (models/complaint/):

- `service.py`: file, assign, comment, escalate by hand, resolve, confirm, reopen, feedback; the
  status machine (`move`: every move a ComplaintStatusHistory row) and the rule check.
- `sla.py`: the SLA clocks of a priority (the hostel's AutoEscalationRule, else the built-in
  hours) and the `escalate_overdue_complaints` job (every 5 minutes, idempotent) that escalates
  a complaint whose clock ran out once and tells the rule's target through `notify`; it also
  closes complaints whose confirmation window passed.
- `analytics.py`: the snapshot, per-category and per-staff figures, computed hourly and on demand.
"""
