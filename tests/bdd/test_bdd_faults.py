"""Binds the fault-injection features (features/faults) and their steps (steps/faults.py)."""

from pytest_bdd import scenarios

from steps.faults import *  # noqa: F403 -- the fault steps, until the plugin lists steps.faults

scenarios("faults")
