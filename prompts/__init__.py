"""Shipped data: the prompt and reply texts. Installed as ``careercoach_prompts``; read through
:mod:`bot.resources`."""
