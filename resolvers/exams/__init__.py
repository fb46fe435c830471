"""Exams, marks and the marksheet (seed 001 test management domain); see service.py."""
