"""Career coaching beyond policy: interests, occupations, matching, résumés, interviews.

``riasec`` scores the project's Holland questionnaire (``knowledge/riasec.yaml``); ``occupations``
validates the occupation catalogue (``knowledge/occupations.yaml``); ``matching`` suggests
occupations from a profile and an optional code; ``resume`` and ``interview`` review what a
graduate writes, offline, with optional model rewrites that are checked. Nothing here stores
anything: the store and the web app decide that.
"""
