"""Reviewer credentials: scrypt password hashes with a per-user salt, hashed API tokens and session
ids, and the sign-in throttle.

Passwords are low-entropy, so they get a deliberately slow, salted hash. Tokens and session ids are
256 random bits, so a plain SHA-256 is enough to make a stolen database useless for signing in.

A sign-in must not tell a guesser which user names exist: ``verify_password`` runs one scrypt
whether or not there is a stored hash (a name without one is checked against a dummy hash of the
same cost), so a known and an unknown name take the same time. ``Throttle`` limits failed sign-ins
per user name (existing or not, for the same reason) and per address.
"""
from __future__ import annotations

import functools
import hashlib
import hmac
import secrets
from dataclasses import dataclass

# scrypt cost: ~50 ms and 16 MiB per check, affordable for a sign-in, costly for a guesser.
_N, _R, _P, _DKLEN = 2**14, 8, 1, 32


def hash_password(password: str) -> str:
    salt = secrets.token_bytes(16)
    digest = _scrypt(password, salt, _N, _R, _P)
    return f"scrypt${_N}${_R}${_P}${salt.hex()}${digest.hex()}"


def verify_password(password: str, stored: str | None) -> bool:
    """True when ``password`` matches ``stored``. Always one scrypt of the standard cost, also when
    ``stored`` is missing or malformed (then against a dummy hash, and the answer is False)."""
    parsed = _parse(stored) if stored else None
    n, r, p, salt, digest = parsed or dummy_hash()
    got = _scrypt(password, salt, n, r, p)
    return hmac.compare_digest(got, digest) and parsed is not None


def new_token() -> str:
    return secrets.token_urlsafe(32)


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class Throttle:
    """At most ``per_user`` failed sign-ins per user name and ``per_address`` per client address
    in any ``window`` seconds; beyond that, sign-ins are refused, without checking the password,
    until the oldest counted failure leaves the window. The per-name limit applies to names that
    do not exist too, so a refusal tells nothing about which names do."""

    per_user: int = 5
    per_address: int = 20
    window: float = 15 * 60

    def wait(self, by_user: list[float], by_address: list[float], now: float) -> float:
        """Seconds until another attempt is allowed (0: allowed now), from the failure times."""
        waits = [self._wait(by_user, self.per_user, now), self._wait(by_address, self.per_address, now)]
        return max(waits)

    def _wait(self, times: list[float], limit: int, now: float) -> float:
        recent = sorted(t for t in times if t > now - self.window)
        if len(recent) < limit:
            return 0.0
        return max(0.0, recent[-limit] + self.window - now)


def _parse(stored: str) -> tuple[int, int, int, bytes, bytes] | None:
    try:
        scheme, n, r, p, salt, digest = stored.split("$")
        values = (int(n), int(r), int(p), bytes.fromhex(salt), bytes.fromhex(digest))
    except ValueError:
        return None
    cost, block, parallel = values[:3]
    # bounded so that a doctored store cannot make one check take minutes or gigabytes
    bounded = 2 <= cost <= 2**17 and 1 <= block <= 16 and 1 <= parallel <= 4
    return values if scheme == "scrypt" and bounded else None


@functools.cache
def dummy_hash() -> tuple[int, int, int, bytes, bytes]:
    parsed = _parse(hash_password(secrets.token_urlsafe(16)))
    assert parsed is not None
    return parsed


def _scrypt(password: str, salt: bytes, n: int, r: int, p: int) -> bytes:
    return hashlib.scrypt(password.encode("utf-8"), salt=salt, n=n, r=r, p=p, maxmem=64 * 1024 * 1024, dklen=_DKLEN)
