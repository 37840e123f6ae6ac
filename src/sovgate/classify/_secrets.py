"""Credentials: private keys, cloud keys, provider API tokens, JWTs, password assignments."""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Iterator

from sovgate.classify._cues import Cues
from sovgate.classify._hits import Hit

# (detail, pattern, group holding the secret or 0)
_TOKENS: tuple[tuple[str, re.Pattern[str], int], ...] = tuple(
    (d, re.compile(p), g)
    for d, p, g in (
        (
            "private_key",
            r"-----BEGIN (?:[A-Z0-9]+ )*PRIVATE KEY(?: BLOCK)?-----[\s\S]*?(?:-----END (?:[A-Z0-9]+ )*PRIVATE KEY(?: BLOCK)?-----|\Z)",  # noqa: E501
            0,
        ),
        ("putty_private_key", r"PuTTY-User-Key-File-\d+:[^\n]*\n[\s\S]*?Private-MAC: [0-9a-f]+", 0),
        ("aws_access_key", r"\b(?:AKIA|ASIA|ABIA|ACCA)[0-9A-Z]{16}\b", 0),
        (
            "aws_secret_key",
            r"(?i)aws_?secret_?(?:access_?)?key[\"']?\s*[:=]\s*[\"']?([A-Za-z0-9/+=]{40})(?![A-Za-z0-9/+=])",
            1,
        ),
        ("gcp_api_key", r"\bAIza[0-9A-Za-z_-]{35}(?![\w-])", 0),
        ("gcp_service_account", r"\"private_key_id\"\s*:\s*\"([0-9a-f]{40})\"", 1),
        ("gcp_oauth_token", r"\bya29\.[0-9A-Za-z_-]{20,}", 0),
        ("azure_storage_key", r"(?i)AccountKey=([A-Za-z0-9+/]{86}==)", 1),
        ("azure_sas_signature", r"[?&]sig=([A-Za-z0-9%+/=]{40,})", 1),
        ("azure_client_secret", r"(?<![\w~.-])[A-Za-z0-9_~.-]{3}\dQ~[A-Za-z0-9_~.-]{31,34}(?![\w~.-])", 0),
        ("anthropic_api_key", r"\bsk-ant-(?:api|admin|sid)\d{2}-[A-Za-z0-9_-]{32,}", 0),
        ("openai_api_key", r"\bsk-(?:proj-|svcacct-|admin-|None-)?[A-Za-z0-9_-]{20,}(?![\w-])", 0),
        ("github_token", r"\b(?:ghp|gho|ghu|ghs|ghr)_[A-Za-z0-9]{36}\b", 0),
        ("github_pat", r"\bgithub_pat_[A-Za-z0-9_]{60,}", 0),
        ("gitlab_token", r"\bglpat-[A-Za-z0-9_-]{20,}", 0),
        ("slack_token", r"\bxox[abposre]-[A-Za-z0-9-]{10,}", 0),
        ("slack_webhook", r"https://hooks\.slack\.com/services/T[A-Z0-9]+/B[A-Z0-9]+/[A-Za-z0-9]+", 0),
        ("stripe_secret_key", r"\b(?:sk|rk)_(?:live|test)_[A-Za-z0-9]{16,}", 0),
        ("huggingface_token", r"\bhf_[A-Za-z]{34}\b", 0),
        ("jwt", r"\beyJ[A-Za-z0-9_-]{8,}\.eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}", 0),
        (
            "connection_string_password",
            r"\b[a-z][a-z0-9+.-]{1,20}://[^\s:/@]{1,64}:([^\s@/]{3,128})@[\w.-]+",
            1,
        ),
        ("bearer_token", r"(?i)\bauthorization\s*:\s*bearer\s+([A-Za-z0-9._~+/=-]{16,})", 1),
    )
)

_ASSIGN = re.compile(
    r"(?i)\b(?:password|passwd|pwd|pass|passwort|kennwort|mot\s+de\s+passe|mdp|contrase[ñn]a|clave|"
    r"wachtwoord|has[łl]o|parola\s+d[i']\s*ordine|secret|client_?secret|api_?key|apikey|access_?token|auth_?token|"
    r"private_?key|secret_?key)[\"']?\s*(?:[:=]|=>|:=)\s*[\"']?([^\s\"',;]{4,200})"
)
# "my password is hunter2", "mein Passwort ist Sommer2024!": said in words, value must look like one
_SAID = re.compile(
    r"(?i)\b(?:password|passwort|kennwort|mot de passe|contraseña|wachtwoord|hasło|haslo|pin)\s+"
    r"(?:is|ist|est|es|è|to|lautet|was|war)\s*:?\s+[\"'«„]?\s?([^\s\"'»“,;]{4,64})"
)
_LOOKS_SECRET = re.compile(r"(?=.*\d)|(?=.*[^\w])|(?=.*[a-z].*[A-Z])")
_CODE_REF = re.compile(r"^(?:[A-Za-z_]\w*\.)+[A-Za-z_]\w*(?:\(.*)?$|^[A-Za-z_][\w.]*[(\[]|^[<{$%\[]")
_MARKING_BEFORE = re.compile(r"(?:TOP|UK|EU|NATO|COSMIC)\s+$")
_PASSWORD_WORD = re.compile(
    r"(?i)\s*(?:password|passwd|pwd|pass|passwort|kennwort|mot\s+de\s+passe|mdp|contrase[ñn]a|clave|wachtwoord|has[łl]o)"
)
_PLACEHOLDER = re.compile(
    r"^(?:\*+|x+|X+|\.+|<[^>]*>|\{\{.*\}\}|\$\{.*\}|\$\w+|%\w+%|null|none|true|false|\.\.\.)$"
)
_CRED_CONTEXT = re.compile(
    r"(?i)(?:key|token|secret|credential|auth|bearer|signature|passphrase|schlüssel|clé|chiave|clave|sleutel|klucz)"
    r"[^\n]{0,20}?[\s:=\"']([A-Za-z0-9+/_=.-]{24,})"
)


def _entropy(s: str) -> float:
    n = len(s)
    return -sum(c / n * math.log2(c / n) for c in Counter(s).values())


def _high_entropy(s: str) -> bool:
    classes = any(c.islower() for c in s) + any(c.isupper() for c in s) + any(c.isdigit() for c in s)
    return classes >= 2 and _entropy(s) >= 3.6


def secret_hits(text: str, cues: Cues) -> Iterator[Hit]:
    taken: list[tuple[int, int]] = []
    tokens = _TOKENS if cues.has("secret") else ()
    for detail, rx, grp in tokens:
        for m in rx.finditer(text):
            s, e = m.span(grp)
            if any(s < te and ts < e for ts, te in taken):
                continue
            taken.append((s, e))
            yield Hit("SECRET", s, e, 0.99, None, detail)
    if not cues.has("assign"):
        return
    for m in _ASSIGN.finditer(text):
        s, e = m.span(1)
        val = m.group(1)
        key = text[m.start() : m.start(1)]
        if _PLACEHOLDER.match(val) or _CODE_REF.match(val) or any(s < te and ts < e for ts, te in taken):
            continue  # "<your password here>", "settings.SECRET_KEY", "getpass.getpass()"
        if key.lstrip().startswith("SECRET") and _MARKING_BEFORE.search(
            text, max(0, m.start() - 8), m.start()
        ):
            continue  # "TOP SECRET: plan" is a classification marking, not a credential
        if not _PASSWORD_WORD.match(key) and not _LOOKS_SECRET.match(val):
            continue  # "secret: plan": generic key words need a value that looks like a credential
        taken.append((s, e))
        yield Hit("SECRET", s, e, 0.9, None, "password_assignment")
    for m in _SAID.finditer(text):
        s, e = m.span(1)
        val = m.group(1).rstrip(".!?")
        e = s + len(val)
        if len(val) < 4 or _PLACEHOLDER.match(val) or not _LOOKS_SECRET.match(val):
            continue
        if any(s < te and ts < e for ts, te in taken):
            continue
        taken.append((s, e))
        yield Hit("SECRET", s, e, 0.85, None, "password_assignment")
    for m in _CRED_CONTEXT.finditer(text):
        s, e = m.span(1)
        if any(s < te and ts < e for ts, te in taken) or not _high_entropy(m.group(1)):
            continue
        taken.append((s, e))
        yield Hit("SECRET", s, e, 0.75, None, "high_entropy_credential")
