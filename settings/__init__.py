"""The network's settings, at the bottom of the layers: app.yaml's schema (``schema``),
durations as written there and in commands (``durations``), the database's waits
(``timeouts``) and the one clock (``clock``).

A package of its own rather than a module of ``handlers``: ``storage`` needs the schema and
the waits too (``storage.seed``, ``storage.db``), and it sits below ``handlers``. So every layer
(``bot`` → ``scheduler`` → ``handlers`` → ``storage``) may import it, and it imports none of
them: only the standard library and pydantic. ``bot.config`` reads app.yaml into these types.
"""
