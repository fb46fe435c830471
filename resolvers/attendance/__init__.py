"""Attendance (seed 001 attendance domain): marking a whole class from a teacher's phone,
and the reads dashboards and phones need (service.py)."""
