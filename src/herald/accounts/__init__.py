"""Tenants, operators, roles and API tokens: who may act, and within which tenant."""
