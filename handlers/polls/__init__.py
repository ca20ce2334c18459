"""Consensus polls: proposals, votes, the tally, working-group changes."""
