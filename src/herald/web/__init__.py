"""HTTP entry points: public pages and API, sys and admin APIs, tracking, webhooks, console."""
