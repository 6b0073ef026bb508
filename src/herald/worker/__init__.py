"""Claim loops and the periodic scheduler."""
