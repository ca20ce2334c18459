"""Long lists are shown a page at a time, with how many more there are and where to find them.

A reply listing thousands of records helps nobody and splits into dozens of chat messages
(Slack holds 50 blocks a message, Teams cards have a size limit), so list commands show the
most relevant ``PAGE`` lines and say what else there is.
"""

PAGE = 30


def more(hidden: int, what: str, where: str) -> str:
    """``… and 70 more decisions: all of them are in the CSV of report 2030.``"""
    return f"… and {hidden:,} more {what}: {where}"
