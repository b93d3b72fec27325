"""Pilot runs that size a profile (seeds >= 1000 only; they never choose a rule)."""
