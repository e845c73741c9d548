"""Binds the clock features (features/time)."""

from pytest_bdd import scenarios

scenarios("time")
