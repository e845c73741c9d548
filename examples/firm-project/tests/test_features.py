"""Binds every feature of this project; the steps come from the facsim plugin."""

from pytest_bdd import scenarios

scenarios(".")
