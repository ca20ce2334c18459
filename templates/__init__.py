"""jinja2 templates for agendas, minutes, reminders, poll results and reports."""
