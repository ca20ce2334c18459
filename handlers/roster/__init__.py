"""The roster: member agencies, focal points, partners, joining and leaving."""
