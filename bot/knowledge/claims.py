"""Contact claims in documents: phone numbers, web addresses and account ids, and which are
official.

A fake subsidy notice works by giving a graduate somewhere to call, click or add: a "全国统一
咨询热线 400-…", a look-alike site (``ncss-butie.cn``), a customer-service WeChat id. So every
such detail in a document is a *claim* (:func:`find_claims`), trusted only when the allow-list
``knowledge/official_channels.yaml`` (:class:`OfficialChannels`) names it: national hotlines
(12333, 12355, 12356 …), listed domains and their subdomains (ncss.cn, chsi.com.cn …), the
public-body registries ``gov.cn`` and ``edu.cn``, listed apps, and the domains and phones the
file lists for a named issuer (used when the document's declared ``issuer`` is that issuer). A
document's own ``source_url`` earns it nothing: a poisoned file can declare any address.

Hand-written patterns for how Chinese notices write these (``400-900-1234``, ``0931-8123456``,
``（028）12345678``, ``拨打12333``, ``微信号：abc_123``, ``QQ群 123456789``). Short numbers
(110, 12333) count as phones only next to a word that says so (电话, 热线, 拨打 …), so amounts and
years are never mistaken for them. What it leaves out: deciding what to do with a claim
(``screening`` at ingestion, ``bot.chat.safety`` at answer time).
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

import yaml

from bot.errors import ConfigError
from bot.resources import data_path

ClaimKind = Literal["phone", "site", "account"]
DEFAULT_FILE = data_path("knowledge", "official_channels.yaml")

_SEP = r"[-－—–\s]?"
_LONG_PHONE = re.compile(
    r"(?<![0-9A-Za-z])(?:"
    r"[48]00" + _SEP + r"\d{3}" + _SEP + r"\d{4}"  # 400/800 service numbers
    r"|1[3-9]\d" + _SEP + r"\d{4}" + _SEP + r"\d{4}"  # mobile
    r"|[（(]?0\d{2,3}[）)]?" + _SEP + r"\d{7,8}"  # landline with area code
    r"|\+\d{1,3}[\s-]?\d{2,4}(?:[\s-]?\d{2,4}){1,3}"  # international
    r")(?![0-9])"
)
_SHORT_PHONE = re.compile(r"(?<![\d.])(1\d{2,4}|9\d{4})(?![\d.%])")
_PHONE_WORD = re.compile(
    r"电话|热线|专线|拨打|致电|来电|咨询|客服|联系|服务台|短信|hotline|phone|call|dial|tel\b",
    re.IGNORECASE,
)
_UNIT_AFTER = re.compile(r"^\s*(?:元|块|万|千|亿|人|名|年|月|日|天|个|份|次|岁|元/|%|％|号文)")
_TLD = (
    r"cn|com|net|org|gov|edu|top|xyz|vip|cc|info|site|online|shop|club|io|me|co|biz|work|ltd|"
    r"tech|app|link|icu|fun|live|pro|asia|hk|tw|mo|us|uk"
)
_SITE = re.compile(
    r"(?<![0-9A-Za-z@.\-])(?:https?://)?((?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+(?:"
    + _TLD
    + r"))"
    r"(?![a-z0-9-])(?::\d{2,5})?(?:/[\x21-\x7e]*)?",
    re.IGNORECASE,
)
_EMAIL = re.compile(r"[\w.+-]+@((?:[a-z0-9-]+\.)+[a-z]{2,})", re.IGNORECASE)
_ACCOUNT_ID = re.compile(
    r"(微信号?|微信公众号|vx|wx|v信|薇信|威信|QQ群?号?|企鹅号?|telegram|whatsapp|wechat|line\s*id)"
    r"\s*[（(]?\s*(?:id|ID|账号|号码|号)?\s*(?:[:：为是]|\s)?\s*[“\"「『@]?"
    r"([A-Za-z0-9][A-Za-z0-9_\-]{4,29})",
    re.IGNORECASE,
)
_CJK = re.compile(r"[\u4e00-\u9fff]")
_HANDLE = re.compile(r"(?<![\w.@])@([A-Za-z][A-Za-z0-9_]{4,31})\b")
_NAMED_ACCOUNT = re.compile(
    r"(公众号|小程序|APP|App|app|应用)\s*[“\"「『《]([^”\"」』》]{2,24})[”\"」』》]"
)


@dataclass(frozen=True)
class Claim:
    """One contact detail as the text wrote it, and its comparable value."""

    kind: ClaimKind
    value: str  # digits of a phone, host of a site (lower case), id or name of an account
    text: str  # as written

    def __str__(self) -> str:
        return self.text


def find_claims(text: str) -> list[Claim]:
    """Every phone number, web address and account the text names, in order, once each."""
    found: list[tuple[int, Claim]] = []
    taken: list[tuple[int, int]] = []

    def add(start: int, end: int, claim: Claim) -> None:
        if any(s < end and start < e for s, e in taken):
            return
        taken.append((start, end))
        found.append((start, claim))

    for m in _EMAIL.finditer(text):
        add(m.start(), m.end(), Claim("site", m.group(1).lower(), m.group(0)))
    for m in _SITE.finditer(text):
        host = m.group(1).lower()
        if not _looks_like_host(host):
            continue
        add(m.start(), m.end(), Claim("site", host, m.group(0).rstrip(".,;")))
    for m in _ACCOUNT_ID.finditer(text):
        if _english_word(text, m):
            continue
        add(m.start(2), m.end(2), Claim("account", m.group(2), m.group(2)))
    for m in _HANDLE.finditer(text):
        add(m.start(), m.end(), Claim("account", m.group(1), m.group(0)))
    for m in _NAMED_ACCOUNT.finditer(text):
        add(m.start(2), m.end(2), Claim("account", m.group(2), m.group(2)))
    for m in _LONG_PHONE.finditer(text):
        add(m.start(), m.end(), Claim("phone", _digits(m.group(0)), m.group(0)))
    for m in _SHORT_PHONE.finditer(text):
        if _UNIT_AFTER.match(text[m.end() : m.end() + 3]):
            continue
        near = text[max(0, m.start() - 12) : m.end() + 6]
        if _PHONE_WORD.search(near):
            add(m.start(), m.end(), Claim("phone", m.group(1), m.group(0)))
    unique: dict[tuple[str, str], Claim] = {}
    for _, claim in sorted(found, key=lambda item: item[0]):
        unique.setdefault((claim.kind, claim.value), claim)
    return list(unique.values())


def _english_word(text: str, m: re.Match[str]) -> bool:
    """True when an "account id" is only the next word of an English sentence ("WeChat
    accounts", "QQ groups"): letters alone, after nothing but a space, with no Chinese near."""
    between = text[m.end(1) : m.start(2)]
    if between.strip() or not m.group(2).isalpha():
        return False
    near = text[max(0, m.start() - 20) : m.end() + 20]
    return not _CJK.search(near)


def _digits(text: str) -> str:
    return re.sub(r"\D", "", text)


def _looks_like_host(host: str) -> bool:
    labels = host.split(".")
    # "1.5" or "v2.0" are not hosts; a host has a letter outside its last label
    return len(labels) >= 2 and any(ch.isalpha() for ch in "".join(labels[:-1]))


@dataclass
class Issuer:
    name: str
    domains: list[str] = field(default_factory=list)
    phones: list[str] = field(default_factory=list)


@dataclass
class OfficialChannels:
    """The allow-list; see the module docstring and ``knowledge/official_channels.yaml``."""

    phones: set[str] = field(default_factory=set)
    domains: list[str] = field(default_factory=list)
    suffixes: list[str] = field(default_factory=list)
    accounts: set[str] = field(default_factory=set)
    issuers: list[Issuer] = field(default_factory=list)
    names: set[str] = field(default_factory=set)  # what notices call the listed sites

    def names_official_place(self, text: str, issuer: str = "") -> bool:
        """True when ``text`` names a listed site, by address or by name."""
        if any(name in text for name in self.names):
            return True
        return any(c.kind == "site" and self.trusted(c, issuer) for c in find_claims(text))

    @classmethod
    def load(cls, path: Path | None = None) -> OfficialChannels:
        return _load(str(path or DEFAULT_FILE))

    def trusted(self, claim: Claim, issuer: str = "") -> bool:
        """True when ``claim`` is an official channel, or one of ``issuer``'s own."""
        own = [i for i in self.issuers if issuer and i.name and i.name in issuer]
        if claim.kind == "phone":
            return claim.value in self.phones or any(claim.value in i.phones for i in own)
        if claim.kind == "site":
            domains = self.domains + [d for i in own for d in i.domains]
            return any(_within(claim.value, d) for d in domains) or any(
                _within(claim.value, s) for s in self.suffixes
            )
        return claim.value in self.accounts

    def unverified(self, text: str, issuer: str = "") -> list[Claim]:
        """The claims of ``text`` that are not official channels."""
        return [c for c in find_claims(text) if not self.trusted(c, issuer)]


def _within(host: str, domain: str) -> bool:
    host, domain = host.lower().strip("."), domain.lower().strip(".")
    return host == domain or host.endswith("." + domain)


@functools.cache
def _load(path: str) -> OfficialChannels:
    try:
        raw = yaml.safe_load(Path(path).read_text(encoding="utf-8")) or {}
        channels = OfficialChannels(
            phones={_digits(str(p["number"])) for p in raw.get("phones") or []},
            domains=[str(d["domain"]) for d in raw.get("domains") or []],
            suffixes=[str(s["suffix"]) for s in raw.get("suffixes") or []],
            accounts={str(a["name"]) for a in raw.get("accounts") or []},
            names={str(n) for d in raw.get("domains") or [] for n in d.get("names") or []},
            issuers=[
                Issuer(
                    str(i["name"]),
                    [str(d) for d in i.get("domains") or []],
                    [_digits(str(p)) for p in i.get("phones") or []],
                )
                for i in raw.get("issuers") or []
            ],
        )
    except (OSError, yaml.YAMLError, KeyError, TypeError, AttributeError) as exc:
        raise ConfigError(
            f"{path}: cannot read the official channels ({type(exc).__name__}: {exc})",
            message_zh=f"{path}：无法读取官方渠道名单（{exc}）",
        ) from exc
    for platform in raw.get("platforms") or []:
        channels.phones.add(_digits(str(platform.get("name", ""))))  # "24365" said as a number
    return channels
