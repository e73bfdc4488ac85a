"""Conversations: threads of asks, follow-up questions read as refinements of the turn before, and their storage."""
