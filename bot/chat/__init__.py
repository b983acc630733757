"""The answering engine: routing, LLM and offline answerers, citations, safety."""
