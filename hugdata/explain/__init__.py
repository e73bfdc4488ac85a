"""Explanations of answers: a plain-language reading of an answer's SQL, and which words of the question it answers."""
