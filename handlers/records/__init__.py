"""Minutes and the record: minutes and their corrections, decisions, action items and their
reminders."""
