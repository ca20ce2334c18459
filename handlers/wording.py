"""Words that agree with a number: ``1 item``, ``2 items``."""


def plural(count: int, singular: str, many: str | None = None) -> str:
    """``singular`` for one, else ``many`` (default: ``singular`` + s); the word only."""
    return singular if count == 1 else many or f"{singular}s"


def counted(count: int, singular: str, many: str | None = None) -> str:
    """``1 item``, ``3 items``."""
    return f"{count} {plural(count, singular, many)}"


def listed(words: list[str]) -> str:
    """``a``, ``a and b``, ``a, b and c``."""
    return " and ".join(filter(None, [", ".join(words[:-1]), *words[-1:]]))
