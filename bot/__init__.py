"""careercoach: a retrieval-augmented career coach for Chinese college graduates.

The package holds everything a graduate, counselor or maintainer can do, without any UI.
"""

__version__ = "0.1.0"
