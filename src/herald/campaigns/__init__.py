"""Campaigns: lifecycle rules and (in ``dispatch/``) the ledger-driven dispatcher."""
