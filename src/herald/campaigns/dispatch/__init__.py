"""Dispatcher: ledger materialisation, claiming and paced sending."""
