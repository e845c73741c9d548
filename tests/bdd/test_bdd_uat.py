"""Binds the Saturday UAT features (features/uat)."""

from pytest_bdd import scenarios

scenarios("uat")
