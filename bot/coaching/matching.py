"""Suggested occupations for a graduate, each with its reasons, routes and skill gaps.

A suggestion weighs three things a counsellor would name: the major (an occupation's typical
majors, or at least its discipline), the interest code (only one the graduate got from the
questionnaire or typed in; never one guessed from chat), and the paths the graduate prefers
(an occupation entered through a route they want). Occupations entered only from their own
majors (``requires: major``) or with a doctorate (``requires: phd``) are never suggested without
them, and routes closed to the graduate (civil service, grassroots programmes and the army for a
foreign national; the work permit for a Chinese citizen) do not count. Skill gaps are the
occupation's core skills that nothing the graduate told us (strengths, interests, a résumé's
text) shows yet. The weights are named constants tuned on the ``dev`` split of the coaching eval.
"""

from __future__ import annotations

from pydantic import BaseModel, Field

from bot.coaching.occupations import Occupation, OccupationCatalogue
from bot.planning import vocabulary as vocab
from bot.planning.catalogue import Bilingual
from bot.planning.profile import Profile

MAJOR_WEIGHT = 3.0  # the major is among the occupation's typical majors
DISCIPLINE_WEIGHT = 1.0  # only the discipline matches
OPEN_WEIGHT = 0.5  # the occupation is open to every major (各专业)
INTEREST_WEIGHT = 3.0  # times the code agreement (0-1)
PATH_WEIGHT = 1.5  # entered through a route the graduate prefers
MIN_SCORE = 2.0  # below this an occupation is not suggested
DEFAULT_LIMIT = 8

# Preferred path (vocabulary.PATHS) -> the routes of occupations.yaml that serve it.
PATH_ROUTES: dict[str, set[str]] = {
    "postgraduate_exam": {"postgraduate"},
    "upgrade_degree": {"upgrade"},
    "civil_service": {"civil_service"},
    "grassroots": {"grassroots", "special_post"},
    "teaching": {"special_post", "public_institution"},
    "soe": {"soe", "public_institution"},
    "private": {"campus"},
    "startup": {"startup"},
    "flexible": {"flexible"},
    "military": {"military"},
    "abroad": {"abroad"},
    "research": {"postgraduate"},
}
CITIZEN_ROUTES = {"civil_service", "grassroots", "special_post", "military"}
FOREIGN_ROUTES = {"foreign_permit"}
OPEN_MAJOR = "各专业"


class Suggestion(BaseModel):
    occupation: Occupation
    score: float
    reasons: list[Bilingual] = Field(default_factory=list)
    routes: list[str] = Field(default_factory=list)  # route ids open to the graduate
    resources: list[str] = Field(default_factory=list)  # resources.yaml ids on those routes
    gaps: list[str] = Field(default_factory=list)  # skill ids not shown yet
    shown: list[str] = Field(default_factory=list)  # skill ids already shown

    @property
    def id(self) -> str:
        return self.occupation.id


def code_agreement(mine: str, theirs: str) -> float:
    """0-1: letters shared by two codes, weighted by their places (first counts most)."""
    weights = [3, 2, 1]
    total = 0
    for i, letter in enumerate(mine[:3]):
        if letter in theirs[:3]:
            total += weights[i] * weights[theirs.index(letter)]
    best = sum(w * w for w in weights[: min(len(mine), 3)])
    return total / best if best else 0.0


def _same_major(major: str, typical: str) -> bool:
    stem = major.removesuffix("专业").removesuffix("学")
    base = typical.removesuffix("类").removesuffix("学")
    return (
        major in typical
        or typical in major
        or (len(stem) >= 2 and stem in base)
        or (len(base) >= 2 and base in stem)
    )


def _major_fit(
    profile: Profile, occ: Occupation, names: list[str], disciplines: set[str]
) -> str | None:
    """'major', 'discipline', 'open' or None."""
    for typical in occ.majors:
        if not typical.startswith(OPEN_MAJOR) and any(_same_major(n, typical) for n in names):
            return "major"
    if disciplines & set(occ.disciplines):
        return "discipline"
    if any(m.startswith(OPEN_MAJOR) for m in occ.majors):
        return "open"
    return None


def major_disciplines(
    catalogue: OccupationCatalogue, profile: Profile, names: list[str]
) -> set[str]:
    """The profile's discipline, or the disciplines of occupations its major leads to."""
    if profile.discipline:
        return {profile.discipline}
    found: set[str] = set()
    for occ in catalogue.occupations:
        if any(
            _same_major(n, m) for n in names for m in occ.majors if not m.startswith(OPEN_MAJOR)
        ):
            found |= set(occ.disciplines[:1])
    return found


def _foreign(profile: Profile) -> bool:
    return profile.nationality is not None and profile.nationality != vocab.CHINA


def open_routes(profile: Profile, occ: Occupation) -> list[str]:
    closed = CITIZEN_ROUTES if _foreign(profile) else FOREIGN_ROUTES
    if profile.education != "zhuanke":
        closed = closed | {"upgrade"}
    return [r for r in occ.routes if r not in closed]


def evidence_text(profile: Profile, extra: str = "") -> str:
    """What shows the graduate's skills: strengths, interests, the major's name (its coursework),
    and any text given (a résumé)."""
    return " ".join(
        [*(profile.strengths or []), *(profile.interests or []), profile.major or "", extra]
    ).lower()


def skills_shown(catalogue: OccupationCatalogue, skill_ids: list[str], text: str) -> list[str]:
    """The skills among ``skill_ids`` whose keywords appear in ``text`` (lower case)."""
    return [s for s in skill_ids if any(k.lower() in text for k in catalogue.skills[s].keywords)]


def suggest(
    profile: Profile,
    catalogue: OccupationCatalogue,
    code: str | None = None,
    *,
    evidence: str = "",
    limit: int = DEFAULT_LIMIT,
) -> list[Suggestion]:
    """The best occupations for ``profile`` (and an interest ``code`` from the questionnaire)."""
    text = evidence_text(profile, evidence)
    names = catalogue.major_names(profile.major) if profile.major else []
    disciplines = major_disciplines(catalogue, profile, names)
    wanted = set().union(*(PATH_ROUTES.get(p, set()) for p in profile.paths or []))
    found: list[Suggestion] = []
    for occ in catalogue.occupations:
        fit = _major_fit(profile, occ, names, disciplines)
        if occ.requires == "major" and fit != "major":
            continue
        if occ.requires == "phd" and profile.education != "phd":
            continue
        routes = open_routes(profile, occ)
        if not routes:
            continue
        reasons: list[Bilingual] = []
        score = 0.0
        if fit == "major":
            score += MAJOR_WEIGHT
            reasons.append(
                Bilingual(
                    zh=f"专业对口：{profile.major} 是常见的来源专业（{'、'.join(occ.majors[:4])}）",
                    en=f"Major fit: {profile.major} is a usual way in "
                    f"({', '.join(occ.majors[:4])})",
                )
            )
        elif fit == "discipline":
            score += DISCIPLINE_WEIGHT
            shared = sorted(disciplines & set(occ.disciplines))
            zh = "、".join(vocab.DISCIPLINES[d][0] for d in shared)
            en = ", ".join(vocab.DISCIPLINES[d][1] for d in shared)
            reasons.append(
                Bilingual(zh=f"学科相近：{zh}背景可以进入", en=f"Related discipline: open to {en}")
            )
        elif fit == "open":
            score += OPEN_WEIGHT
            reasons.append(Bilingual(zh="不限专业", en="Open to every major"))
        if code:
            agreement = code_agreement(code, occ.riasec.code)
            if agreement > 0:
                score += INTEREST_WEIGHT * agreement
                common = "".join(ch for ch in code if ch in occ.riasec.code)
                reasons.append(
                    Bilingual(
                        zh=f"兴趣相符：你的代码 {code} 与该职业的 {occ.riasec.code} 共有 {common}",
                        en=f"Interest fit: your code {code} shares {common} with its "
                        f"{occ.riasec.code}",
                    )
                )
        preferred = [r for r in routes if r in wanted]
        if preferred:
            score += PATH_WEIGHT
            names_zh = "、".join(catalogue.routes[r].name.zh for r in preferred)
            names_en = ", ".join(catalogue.routes[r].name.en for r in preferred)
            reasons.append(
                Bilingual(zh=f"走你想走的路：{names_zh}", en=f"Through a path you want: {names_en}")
            )
        if score < MIN_SCORE:
            continue
        shown = skills_shown(catalogue, occ.skills, text)
        resources = [r for route in routes for r in catalogue.routes[route].resources]
        found.append(
            Suggestion(
                occupation=occ,
                score=round(score, 3),
                reasons=reasons,
                routes=routes,
                resources=list(dict.fromkeys([*resources, *occ.resources])),
                gaps=[s for s in occ.skills if s not in shown],
                shown=shown,
            )
        )
    found.sort(key=lambda s: (-s.score, s.occupation.id))
    return found[:limit]
