"""The annual report: its figures, files, chart and spans of years."""
