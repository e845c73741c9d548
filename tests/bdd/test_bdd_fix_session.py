"""Binds the FIX session features (features/fix_session)."""

from pytest_bdd import scenarios

scenarios("fix_session")
