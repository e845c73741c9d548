"""Binds the MFA cutover features (features/mfa_cutover)."""

from pytest_bdd import scenarios

scenarios("mfa_cutover")
