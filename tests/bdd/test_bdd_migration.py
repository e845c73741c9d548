"""Binds the millisecond-to-nanosecond migration features (features/migration)."""

from pytest_bdd import scenarios

scenarios("migration")
