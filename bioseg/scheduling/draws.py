"""Unannounced inspections (飞行检查): which sites, on which days — unpredictable, and re-derivable by an auditor.

At a plan's approval bioseg draws a fresh seed (:func:`new_seed`, 32 bytes from :func:`secrets.token_bytes`),
records only the commitment ``SHA-256(seed ‖ plan id ‖ version)`` and keeps the seed secret until the year is
over. Every draw is a deterministic function of ``(seed, plan id, version, inputs)``, so once the seed is
revealed anyone can run :func:`rederive` (or ``bioseg schedule rederive``) and get the same sites and dates.

The algorithm (docs/scheduling.md has it step by step, for an auditor with nothing but a SHA-256 tool):

1. **Commitment** = SHA-256 over the bytes ``seed ‖ UTF-8(plan id) ‖ 0x00 ‖ ASCII(version in decimal)``.
2. **Stream**: block *k* (k = 0, 1, 2, …) is HMAC-SHA256 with the seed as key over
   ``"bioseg-unannounced-v1" ‖ 0x00 ‖ UTF-8(plan id) ‖ 0x00 ‖ ASCII(version) ‖ 0x00 ‖ k as 8 bytes big-endian``;
   the blocks are concatenated and read as consecutive 8-byte big-endian unsigned integers *u*.
3. **A uniform integer below n**: take the next *u*; if ``u ≥ 2^64 − (2^64 mod n)`` discard it and take the next
   (rejection keeps every value equally likely); otherwise the result is ``u mod n``.
4. **Sites**: candidates sorted by site id; each has an integer weight (its own ``weight``, or the weight of
   its ``rating``: high 6, medium 3, low 1 by default; a pilot site never weighs 0). For each of ``count``
   draws: ``r`` = uniform below the total weight of the sites not yet drawn; walking the remaining sites in
   order and adding up their weights, the first site whose running total exceeds ``r`` is drawn.
5. **Dates**, for each drawn site in draw order: the days of its window on which a visit of
   ``duration_days`` consecutive working days can start, in date order; ``i`` = uniform below their number;
   the date is the ``i``-th (0-based).
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from .errors import ProblemError
from .problem import Period, _Reader

DOMAIN = b"bioseg-unannounced-v1"
SEED_BYTES = 32
DEFAULT_WEIGHTS: dict[str, int] = {"high": 6, "medium": 3, "low": 1}  # our choice: high risk 6× low risk
_TWO64 = 1 << 64


def new_seed() -> bytes:
    """A fresh secret seed from the operating system's CSPRNG."""
    return secrets.token_bytes(SEED_BYTES)


def _check_ids(plan_id: str, version: int) -> None:
    if not isinstance(plan_id, str) or not plan_id or "\x00" in plan_id:
        raise ProblemError("bad_plan_id", "plan_id", "a non-empty text without NUL", "应为不含 NUL 的非空文本")
    if isinstance(version, bool) or not isinstance(version, int) or version < 0:
        raise ProblemError("bad_version", "version", "not a non-negative integer", "不是非负整数")


def commitment(seed: bytes, plan_id: str, version: int) -> str:
    """SHA-256(seed ‖ UTF-8(plan id) ‖ 0x00 ‖ ASCII(version)), hex. Recorded at approval, before the seed is revealed."""
    _check_ids(plan_id, version)
    return hashlib.sha256(seed + plan_id.encode("utf-8") + b"\x00" + str(version).encode("ascii")).hexdigest()


class Stream:
    """The HMAC-SHA256 counter-mode stream of 64-bit integers for (seed, plan id, version)."""

    def __init__(self, seed: bytes, plan_id: str, version: int) -> None:
        _check_ids(plan_id, version)
        self._key = bytes(seed)
        self._prefix = DOMAIN + b"\x00" + plan_id.encode("utf-8") + b"\x00" + str(version).encode("ascii") + b"\x00"
        self._numbers = self._generate()
        self.used = 0  # 64-bit numbers read so far (rejected ones included)

    def block(self, counter: int) -> bytes:
        return hmac.new(self._key, self._prefix + counter.to_bytes(8, "big"), hashlib.sha256).digest()

    def _generate(self) -> Iterator[int]:
        counter = 0
        while True:
            data = self.block(counter)
            for k in range(0, 32, 8):
                yield int.from_bytes(data[k : k + 8], "big")
            counter += 1

    def next_u64(self) -> int:
        self.used += 1
        return next(self._numbers)

    def below(self, n: int) -> int:
        """A uniform integer in [0, n), by rejection."""
        if n <= 0:
            raise ValueError("n must be positive")
        limit = _TWO64 - (_TWO64 % n)
        while True:
            u = self.next_u64()
            if u < limit:
                return u % n


@dataclass(frozen=True, slots=True)
class Candidate:
    site: str
    weight: int
    rating: str | None
    pilot: bool
    window: Period
    duration_days: int


@dataclass(frozen=True, slots=True)
class Draw:
    order: int
    site: str
    rating: str | None
    weight: int
    total_weight: int
    r: int
    date: date
    date_index: int
    date_choices: int

    def as_dict(self) -> dict[str, Any]:
        return {
            "order": self.order,
            "site": self.site,
            "rating": self.rating,
            "weight": self.weight,
            "total_weight": self.total_weight,
            "r": self.r,
            "date": self.date.isoformat(),
            "date_index": self.date_index,
            "date_choices": self.date_choices,
        }


@dataclass(frozen=True, slots=True)
class DrawInputs:
    count: int
    candidates: tuple[Candidate, ...]
    holidays: frozenset[date]
    working_weekends: frozenset[date]


def parse_inputs(data: Any) -> DrawInputs:
    """The inputs of a draw: ``{count, candidates[{site, rating | weight, pilot, window{from,to}, duration_days}],
    weights?, holidays?, working_weekends?}``. Errors name the field."""
    r = _Reader()
    if not isinstance(data, Mapping):
        raise ProblemError("not_object", "", "the input is not a JSON object", "输入文件不是 JSON 对象")
    weights = dict(DEFAULT_WEIGHTS)
    if data.get("weights") is not None:
        raw = r.obj(data["weights"], "weights")
        weights = {r.string(k, f"weights.{k}"): r.integer(v, f"weights.{k}", maximum=10**6) for k, v in raw.items()}
    holidays = r.dates(data.get("holidays") or [], "holidays")
    working_weekends = r.dates(data.get("working_weekends") or [], "working_weekends")
    candidates: list[Candidate] = []
    seen: set[str] = set()
    for n, raw in enumerate(r.list(r.key(data, "candidates", ""), "candidates")):
        path = f"candidates[{n}]"
        obj = r.obj(raw, path)
        site = r.string(r.key(obj, "site", path), f"{path}.site")
        if site in seen:
            raise ProblemError(
                "duplicate_site", f"{path}.site", f"site {site!r} is listed twice", f"场地 {site!r} 重复"
            )
        seen.add(site)
        pilot = r.boolean(obj.get("pilot", False), f"{path}.pilot")
        rating = None
        if obj.get("weight") is not None:
            weight = r.integer(obj["weight"], f"{path}.weight", maximum=10**6)
            if obj.get("rating") is not None:
                rating = r.string(obj["rating"], f"{path}.rating")
        else:
            rating = r.string(r.key(obj, "rating", path), f"{path}.rating")
            if rating not in weights:
                raise ProblemError(
                    "unknown_rating",
                    f"{path}.rating",
                    f"unknown rating {rating!r} (known: {', '.join(sorted(weights))})",
                    f"未知风险等级 {rating!r}（可选：{'、'.join(sorted(weights))}）",
                )
            weight = weights[rating]
        if pilot and weight < 1:
            raise ProblemError(
                "pilot_weight_zero",
                f"{path}.weight" if obj.get("weight") is not None else f"{path}.rating",
                "a pilot site must have a weight of at least 1",
                "试点场地的权重不得为 0",
            )
        window = r.period(r.key(obj, "window", path), f"{path}.window")
        duration = r.integer(obj.get("duration_days", 1), f"{path}.duration_days", minimum=1, maximum=366)
        candidate = Candidate(site, weight, rating, pilot, window, duration)
        if not _start_days(holidays, working_weekends, candidate):
            raise ProblemError(
                "no_day_in_window",
                f"{path}.window",
                f"no {duration} consecutive working day(s) in the window",
                f"窗口内没有连续 {duration} 个工作日",
            )
        candidates.append(candidate)
    count = r.integer(r.key(data, "count", ""), "count", maximum=len(candidates))
    drawable = sum(1 for c in candidates if c.weight > 0)
    if count > drawable:
        raise ProblemError(
            "count_too_large",
            "count",
            f"only {drawable} candidate(s) have a weight above 0",
            f"权重大于 0 的候选场地只有 {drawable} 个",
        )
    return DrawInputs(count, tuple(sorted(candidates, key=lambda c: c.site)), holidays, working_weekends)


def start_days(inputs: DrawInputs, candidate: Candidate) -> list[date]:
    """Days of the candidate's window on which ``duration_days`` consecutive working days can start."""
    return _start_days(inputs.holidays, inputs.working_weekends, candidate)


def _start_days(holidays: frozenset[date], working_weekends: frozenset[date], candidate: Candidate) -> list[date]:
    def working(day: date) -> bool:
        return (day.weekday() < 5 and day not in holidays) or day in working_weekends

    out = []
    day = candidate.window.start
    while day + timedelta(days=candidate.duration_days - 1) <= candidate.window.end:
        if all(working(day + timedelta(days=k)) for k in range(candidate.duration_days)):
            out.append(day)
        day += timedelta(days=1)
    return out


def derive(seed: bytes, plan_id: str, version: int, inputs: DrawInputs) -> list[Draw]:
    """The draws for (seed, plan id, version, inputs), by the algorithm of this module's docstring."""
    stream = Stream(seed, plan_id, version)
    remaining = [c for c in inputs.candidates if c.weight > 0]
    chosen: list[tuple[Candidate, int, int]] = []
    for _ in range(inputs.count):
        total = sum(c.weight for c in remaining)
        r = stream.below(total)
        running = 0
        for k, c in enumerate(remaining):
            running += c.weight
            if running > r:
                chosen.append((c, total, r))
                del remaining[k]
                break
    out: list[Draw] = []
    for order, (c, total, r) in enumerate(chosen, start=1):
        days = start_days(inputs, c)
        i = stream.below(len(days))
        out.append(Draw(order, c.site, c.rating, c.weight, total, r, days[i], i, len(days)))
    return out


def rederive(seed: bytes | str, plan_id: str, version: int, inputs: Any) -> list[Draw]:
    """What an auditor runs once the seed is revealed: ``seed`` as bytes or hex, ``inputs`` as parsed or as the
    JSON value of the inputs. Returns the same draws bioseg made at approval."""
    if isinstance(seed, str):
        seed = parse_seed(seed)
    parsed = inputs if isinstance(inputs, DrawInputs) else parse_inputs(inputs)
    return derive(seed, plan_id, version, parsed)


def parse_seed(text: str) -> bytes:
    try:
        seed = bytes.fromhex(text.strip())
    except ValueError:
        raise ProblemError("bad_seed", "seed", "not hexadecimal", "不是十六进制") from None
    if len(seed) != SEED_BYTES:
        raise ProblemError(
            "bad_seed",
            "seed",
            f"must be {SEED_BYTES} bytes ({2 * SEED_BYTES} hex digits)",
            f"应为 {SEED_BYTES} 字节（{2 * SEED_BYTES} 个十六进制字符）",
        )
    return seed


def draw_new(plan_id: str, version: int, inputs: Any) -> tuple[bytes, str, list[Draw]]:
    """At approval: a fresh seed, its commitment, and the draws. Keep the seed secret; publish the commitment."""
    seed = new_seed()
    return seed, commitment(seed, plan_id, version), rederive(seed, plan_id, version, inputs)
