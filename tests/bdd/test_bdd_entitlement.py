"""Binds the entitlement features (features/entitlement)."""

from pytest_bdd import scenarios

scenarios("entitlement")
