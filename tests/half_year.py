"""The half-year both platforms' rendering tests go through (tests/test_slack_blockkit.py and
tests/test_teams_cards.py): the same commands, typed markup and Lao text, timeline and minutes,
each platform pressing its own buttons and filling its own forms between them."""

from handlers import registry

LAO = "ການເຄື່ອນຍ້າຍແຮງງານ ແລະ ສິດທິຂອງແຮງງານເຄື່ອນຍ້າຍ"
MEETING = 'meeting schedule regular 24/03/2031 10:00 "Spring meeting" where IOM office, Vientiane'
PROPOSAL = 'poll propose "Joint statement on safe migration"'
REFUSED = ("agenda add", "agendum", "vote #99 agree", "meeting schedule tomorrow")
# From Mon 3 Mar 09:00 (the tests' clock) to the 7-day reminder (17 Mar 10:00), the agenda
# deadline (21 Mar 10:00), the 1-day and 1-hour reminders (23 Mar 10:00, 24 Mar 09:00).
TIMELINE_HOURS = (14 * 24 + 2, 4 * 24, 2 * 24, 22)
MINUTES = ("#attendees RCO IOM ILO #agreed Endorse the ToR <v2> & annex "
           "#action ILO circulate the draft due 30 Jun 2031")
READING = ("decisions", "actions all", "report 2031", "members", "wg", "objectives",
           "meeting list", "meeting plan", "partners", "whoami")


def agenda_item(n: int) -> str:
    """Agenda items of every shape: markup, Lao script, near the 1,000-character limit."""
    shapes = [f"Labour migration data {n} #6", f"*Bold* & <!channel> <costs> [x](y) {n} #1 #23",
              f"{LAO} {n} #10", "x" * 900 + f" {n}"]
    return shapes[n % len(shapes)]


def opening() -> list[str]:
    """Help for everything, a meeting, an agenda of 100 items, listings and its calendar file."""
    registry.load_all()
    return ["help", *(f"help {verb}" for verb in registry.verbs()), MEETING,
            *(f"agenda add {agenda_item(n)}" for n in range(100)), "agenda list #1", "agenda",
            "meeting ics #1"]
