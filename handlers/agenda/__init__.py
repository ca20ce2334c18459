"""Agenda items: proposing, tagging, ordering, publishing."""
