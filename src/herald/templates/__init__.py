"""Templates: MJML rendering, the sandboxed merge language and the premium gallery."""
