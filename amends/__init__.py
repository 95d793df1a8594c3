"""Amends: a service recovery platform."""
