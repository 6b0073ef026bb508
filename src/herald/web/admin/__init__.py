"""Read-only views for tenant admins under /admin/newsletter (403 without tenant context)."""
