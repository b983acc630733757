"""Shipped data: the resource catalogue, crisis lines, vocabulary and starter documents.

Installed as the package ``careercoach_knowledge``; read it through :mod:`bot.resources`.
"""
