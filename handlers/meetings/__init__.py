"""Meetings: scheduling, moving and cancelling, their length, notes, the twice-yearly plan,
calendar files and invitees."""
