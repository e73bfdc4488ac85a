"""Feedback on answers: ratings and corrections, the golden-question candidates they make, and their share rated up."""
