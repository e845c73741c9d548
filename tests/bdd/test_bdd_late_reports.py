"""Binds the late-report features (features/late_reports)."""

from pytest_bdd import scenarios

scenarios("late_reports")
