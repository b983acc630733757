"""The web app: Gradio pages for graduates, counselors and maintainers, plus a small REST API.

Adapters only: every page calls ``bot`` objects (knowledge base, coach, planner, store) wired in
``ui.app.build_services``; nothing here talks to Chroma, an LLM or the database directly.
"""
