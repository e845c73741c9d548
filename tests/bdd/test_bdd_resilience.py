"""Binds the resilience features (features/resilience): what survives a restart."""

from pytest_bdd import scenarios

scenarios("resilience")
