"""Binds the fault-injection features (features/faults); their steps (steps/faults.py) come
from the facsim pytest plugin like every other step module."""

from pytest_bdd import scenarios

scenarios("faults")
