"""The command grammar and one module per domain. No chat platform is imported here."""
