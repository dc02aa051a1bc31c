"""Unannounced draws from a revealed seed: the commitment, the stream and every draw re-derived — once by the
package, once by the algorithm written out here from docs/scheduling.md with nothing but hashlib and hmac."""

from __future__ import annotations

import hashlib
import hmac
from datetime import date, timedelta

import pytest

from bioseg.scheduling import ProblemError, commitment, draw_new, parse_inputs, rederive
from bioseg.scheduling.draws import Stream

SEED_HEX = "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f"
SEED = bytes.fromhex(SEED_HEX)
PLAN = "JS-2027-unannounced"
VERSION = 3
INPUTS = {
    "count": 3,
    "holidays": ["2027-05-03", "2027-05-04", "2027-05-05"],
    "working_weekends": ["2027-04-25"],
    "candidates": [
        {
            "site": "S004",
            "rating": "low",
            "pilot": True,
            "window": {"from": "2027-04-01", "to": "2027-06-30"},
            "duration_days": 1,
        },
        {
            "site": "S001",
            "rating": "high",
            "pilot": True,
            "window": {"from": "2027-04-01", "to": "2027-06-30"},
            "duration_days": 2,
        },
        {
            "site": "S002",
            "rating": "medium",
            "pilot": False,
            "window": {"from": "2027-04-19", "to": "2027-05-07"},
            "duration_days": 1,
        },
        {
            "site": "S003",
            "rating": "high",
            "pilot": True,
            "window": {"from": "2027-03-01", "to": "2027-03-31"},
            "duration_days": 1,
        },
        {"site": "S005", "weight": 0, "pilot": False, "window": {"from": "2027-03-01", "to": "2027-03-31"}},
    ],
}
EXPECTED = [
    {
        "order": 1,
        "site": "S001",
        "rating": "high",
        "weight": 6,
        "total_weight": 16,
        "r": 2,
        "date": "2027-04-25",
        "date_index": 13,
        "date_choices": 49,
    },
    {
        "order": 2,
        "site": "S003",
        "rating": "high",
        "weight": 6,
        "total_weight": 10,
        "r": 8,
        "date": "2027-03-15",
        "date_index": 10,
        "date_choices": 23,
    },
    {
        "order": 3,
        "site": "S002",
        "rating": "medium",
        "weight": 3,
        "total_weight": 4,
        "r": 0,
        "date": "2027-04-26",
        "date_index": 6,
        "date_choices": 13,
    },
]


def test_commitment_of_the_revealed_seed():
    assert commitment(SEED, PLAN, VERSION) == "f58b72ffa7664556e55af0c9ae706d2c7609391edf71cf96c86df95cc0bcd8c4"
    by_hand = hashlib.sha256(SEED + PLAN.encode() + b"\x00" + b"3").hexdigest()
    assert commitment(SEED, PLAN, VERSION) == by_hand
    assert commitment(SEED, PLAN, 4) != by_hand and commitment(SEED, PLAN + "x", VERSION) != by_hand


def test_rederive_from_the_revealed_seed():
    assert [d.as_dict() for d in rederive(SEED_HEX, PLAN, VERSION, INPUTS)] == EXPECTED
    # input order does not matter: candidates are sorted by site id
    shuffled = dict(INPUTS, candidates=list(reversed(INPUTS["candidates"])))
    assert [d.as_dict() for d in rederive(SEED, PLAN, VERSION, shuffled)] == EXPECTED


def _independent(seed: bytes, plan: str, version: int, inputs: dict) -> list[tuple[str, str]]:
    """The documented algorithm, written again without the package."""
    prefix = b"bioseg-unannounced-v1\x00" + plan.encode() + b"\x00" + str(version).encode() + b"\x00"
    numbers = []
    for k in range(8):
        block = hmac.new(seed, prefix + k.to_bytes(8, "big"), hashlib.sha256).digest()
        numbers += [int.from_bytes(block[i : i + 8], "big") for i in range(0, 32, 8)]
    it = iter(numbers)

    def below(n):
        while True:
            u = next(it)
            if u < 2**64 - 2**64 % n:
                return u % n

    weights = {"high": 6, "medium": 3, "low": 1}
    cands = sorted(inputs["candidates"], key=lambda c: c["site"])
    remaining = [(c, c.get("weight", weights.get(c.get("rating")))) for c in cands]
    remaining = [(c, w) for c, w in remaining if w > 0]
    picked = []
    for _ in range(inputs["count"]):
        r = below(sum(w for _, w in remaining))
        acc = 0
        for k, (c, w) in enumerate(remaining):
            acc += w
            if acc > r:
                picked.append(c)
                del remaining[k]
                break
    hol = {date.fromisoformat(x) for x in inputs["holidays"]}
    ww = {date.fromisoformat(x) for x in inputs["working_weekends"]}
    out = []
    for c in picked:
        a, b, n = (
            date.fromisoformat(c["window"]["from"]),
            date.fromisoformat(c["window"]["to"]),
            c.get("duration_days", 1),
        )
        days = [
            a + timedelta(days=i)
            for i in range((b - a).days - n + 2)
            if all(((d := a + timedelta(days=i + k)).weekday() < 5 and d not in hol) or d in ww for k in range(n))
        ]
        out.append((c["site"], days[below(len(days))].isoformat()))
    return out


def test_documented_algorithm_gives_the_same_draws():
    assert _independent(SEED, PLAN, VERSION, INPUTS) == [(d["site"], d["date"]) for d in EXPECTED]


def test_stream_is_hmac_counter_mode():
    s = Stream(SEED, PLAN, VERSION)
    first = hmac.new(
        SEED, b"bioseg-unannounced-v1\x00" + PLAN.encode() + b"\x003\x00" + bytes(8), hashlib.sha256
    ).digest()
    assert [s.next_u64() for _ in range(4)] == [int.from_bytes(first[i : i + 8], "big") for i in range(0, 32, 8)]


def test_weights_follow_the_rating_and_a_pilot_site_is_never_zero():
    counts = {"S1": 0, "S2": 0}
    inputs = {
        "count": 1,
        "candidates": [
            {"site": "S1", "rating": "high", "pilot": True, "window": {"from": "2027-03-01", "to": "2027-03-31"}},
            {"site": "S2", "rating": "low", "pilot": True, "window": {"from": "2027-03-01", "to": "2027-03-31"}},
        ],
    }
    for version in range(600):
        counts[rederive(SEED, PLAN, version, inputs)[0].site] += 1
    assert counts == {"S1": 514, "S2": 86}  # 6 : 1 expects 514.3 : 85.7
    bad = {
        "count": 1,
        "candidates": [
            {"site": "S1", "weight": 0, "pilot": True, "window": {"from": "2027-03-01", "to": "2027-03-31"}}
        ],
    }
    with pytest.raises(ProblemError) as info:
        parse_inputs(bad)
    assert (info.value.code, info.value.field) == ("pilot_weight_zero", "candidates[0].weight")


@pytest.mark.parametrize(
    ("change", "field"),
    [
        (lambda d: d.update({"count": 5}), "count"),
        (lambda d: d["candidates"][0].update({"rating": "extreme"}), "candidates[0].rating"),
        (lambda d: d["candidates"][1]["window"].update({"from": "x"}), "candidates[1].window.from"),
        (
            lambda d: d["candidates"][2].update({"window": {"from": "2027-05-01", "to": "2027-05-02"}}),
            "candidates[2].window",
        ),
    ],
)
def test_bad_inputs_name_the_field(change, field):
    import copy

    data = copy.deepcopy(INPUTS)
    change(data)
    with pytest.raises(ProblemError) as info:
        parse_inputs(data)
    assert info.value.field == field


def test_draw_new_commits_to_a_fresh_seed():
    seed, commit, draws = draw_new(PLAN, 1, INPUTS)
    assert len(seed) == 32 and commit == commitment(seed, PLAN, 1)
    assert [d.as_dict() for d in rederive(seed.hex(), PLAN, 1, INPUTS)] == [d.as_dict() for d in draws]
