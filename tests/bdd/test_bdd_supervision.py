"""Binds the supervision features (features/supervision)."""

from pytest_bdd import scenarios

scenarios("supervision")
