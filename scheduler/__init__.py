"""Delivery of the outbox: claiming due rows, sending them, retrying failures."""
