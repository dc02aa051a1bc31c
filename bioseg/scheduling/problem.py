"""The problem of the exchange format (``../shared/oversight/README.md``): parsed, checked, with its calendar.

:func:`parse_problem` reads the JSON value of a problem and refuses bad input with a :class:`ProblemError`
naming the field (``jobs[3].window.from: not a date``). Keys the format does not define are ignored (the
format's own checker ignores them too), except bioseg's optional job extensions, which are checked when
present:

- ``target`` — a date inside the job's window: the date an unannounced inspection was drawn for
  (:mod:`bioseg.scheduling.draws`); the scheduler starts the job as close to it as it can;
- ``risk`` — a number 0–100 (the site's priority score); higher-risk jobs are placed earlier;
- ``obligations`` — strings naming what the job covers (an assignment's explanation repeats them).

A day is a *working day* when it is Monday–Friday and not in ``holidays``, or when it is in
``working_weekends`` (调休). Days are numbered from the horizon's first day (day 0).
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from .errors import ProblemError

MAX_HORIZON_DAYS = 1100  # three years: a programme is annual; longer horizons are refused as bad input
MAX_ITEMS = 100_000  # inspectors, sites, jobs or conflicts in one problem
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


@dataclass(frozen=True, slots=True)
class Period:
    """An inclusive range of dates."""

    start: date
    end: date

    def days(self) -> Iterable[date]:
        day = self.start
        while day <= self.end:
            yield day
            day += timedelta(days=1)

    def as_dict(self) -> dict[str, str]:
        return {"from": self.start.isoformat(), "to": self.end.isoformat()}


@dataclass(frozen=True, slots=True)
class Inspector:
    id: str
    province: str
    city: str | None
    qualifications: frozenset[str]
    unavailable: tuple[Period, ...]
    max_days: int
    index: int = 0

    def has(self, qualification: str) -> bool:
        return qualification in self.qualifications


@dataclass(frozen=True, slots=True)
class Site:
    id: str
    province: str
    city: str | None


@dataclass(frozen=True, slots=True)
class Joint:
    lead_province: str
    partner_province: str
    min_each: int


@dataclass(frozen=True, slots=True)
class Job:
    id: str
    site: str
    type: str
    duration_days: int
    window: Period
    mandatory: bool
    value: float
    team_min: int
    team_max: int
    requires: tuple[tuple[str, int], ...]
    unannounced: bool
    joint: Joint | None = None
    target: date | None = None
    risk: float | None = None
    obligations: tuple[str, ...] = ()
    index: int = 0


@dataclass(slots=True)
class Problem:
    horizon: Period
    holidays: frozenset[date]
    working_weekends: frozenset[date]
    inspectors: tuple[Inspector, ...]
    sites: tuple[Site, ...]
    jobs: tuple[Job, ...]
    conflicts: frozenset[tuple[str, str]]
    value_scale: int = 1
    # derived, filled by __post_init__
    inspector_by_id: dict[str, Inspector] = field(default_factory=dict, repr=False)
    site_by_id: dict[str, Site] = field(default_factory=dict, repr=False)
    job_by_id: dict[str, Job] = field(default_factory=dict, repr=False)
    working: tuple[bool, ...] = field(default=(), repr=False)
    _starts: dict[str, tuple[int, ...]] = field(default_factory=dict, repr=False)

    def __post_init__(self) -> None:
        self.inspector_by_id = {i.id: i for i in self.inspectors}
        self.site_by_id = {s.id: s for s in self.sites}
        self.job_by_id = {j.id: j for j in self.jobs}
        self.working = tuple(self._is_working(day) for day in self.horizon.days())
        self._starts = {}

    # ------------------------------------------------------------------------------------------ calendar

    def _is_working(self, day: date) -> bool:
        return (day.weekday() < 5 and day not in self.holidays) or day in self.working_weekends

    @property
    def n_days(self) -> int:
        return len(self.working)

    def day(self, index: int) -> date:
        return self.horizon.start + timedelta(days=index)

    def index(self, day: date) -> int:
        return (day - self.horizon.start).days

    def is_working_day(self, day: date) -> bool:
        """Working day by the format's rule (also for days outside the horizon)."""
        return self._is_working(day)

    def allowed_starts(self, job: Job) -> tuple[int, ...]:
        """Day indices where the job may start: ``duration_days`` consecutive working days inside the window
        and the horizon (hard constraint 1)."""
        cached = self._starts.get(job.id)
        if cached is not None:
            return cached
        first = max(self.index(job.window.start), 0)
        last = min(self.index(job.window.end), self.n_days - 1)
        n = job.duration_days
        out: list[int] = []
        run = 0  # working days in a row ending at t
        for t in range(first, last + 1):
            run = run + 1 if self.working[t] else 0
            if run >= n:
                out.append(t - n + 1)
        starts = tuple(out)
        self._starts[job.id] = starts
        return starts

    def unavailable_days(self, inspector: Inspector) -> frozenset[int]:
        """Day indices inside the horizon on which the inspector is unavailable."""
        days: set[int] = set()
        for period in inspector.unavailable:
            lo = max(self.index(period.start), 0)
            hi = min(self.index(period.end), self.n_days - 1)
            days.update(range(lo, hi + 1))
        return frozenset(days)

    # ------------------------------------------------------------------------------------------ people

    def site_of(self, job: Job) -> Site:
        return self.site_by_id[job.site]

    def staffing_provinces(self, job: Job) -> tuple[str, ...]:
        if job.joint is not None:
            return (job.joint.lead_province, job.joint.partner_province)
        return (self.site_of(job).province,)

    def ineligibility(self, job: Job, inspector: Inspector) -> str | None:
        """Why an inspector may never be on this job (hard constraints 4 and 5), or None.

        ``conflict`` (回避), ``lives_in_city`` (unannounced job in the inspector's city), ``province`` (not from
        the site's province, or from neither of a joint job's provinces)."""
        site = self.site_of(job)
        if (inspector.id, site.id) in self.conflicts:
            return "conflict"
        if job.unannounced and inspector.city and inspector.city == site.city:
            return "lives_in_city"
        if inspector.province not in self.staffing_provinces(job):
            return "province"
        return None

    def weight(self, job: Job) -> int:
        """The job's value as an integer (values are scaled by ``value_scale`` when not all integral)."""
        return round(job.value * self.value_scale)

    def value_of(self, job_ids: Iterable[str]) -> float | int:
        total = sum(self.weight(self.job_by_id[j]) for j in job_ids)
        return unscale(total, self.value_scale)


def unscale(weight_sum: int, scale: int) -> float | int:
    if scale == 1:
        return int(weight_sum)
    return round(weight_sum / scale, 6)


# ============================================================================================== parsing


def load_problem_text(text: str | bytes) -> Problem:
    """Parse a problem from JSON text; malformed JSON or nesting too deep is a :class:`ProblemError`."""
    return parse_problem(load_json(text, what="problem"))


def load_json(text: str | bytes, *, what: str) -> Any:
    try:
        if isinstance(text, bytes):
            text = text.decode("utf-8")
        return json.loads(text)
    except UnicodeDecodeError:
        raise ProblemError(
            "not_utf8", "", f"the {what} is not UTF-8 text", f"{_ZH_WHAT.get(what, what)}不是 UTF-8 文本"
        ) from None
    except RecursionError:
        raise ProblemError(
            "too_deep", "", f"the {what} is nested too deeply", f"{_ZH_WHAT.get(what, what)}嵌套层级过深"
        ) from None
    except json.JSONDecodeError as exc:
        raise ProblemError(
            "malformed_json",
            "",
            f"the {what} is not valid JSON (line {exc.lineno}, column {exc.colno}: {exc.msg})",
            f"{_ZH_WHAT.get(what, what)}不是有效的 JSON（第 {exc.lineno} 行第 {exc.colno} 列）",
        ) from None


_ZH_WHAT = {"problem": "问题文件", "plan": "计划文件", "input": "输入文件"}


class _Reader:
    """Reads typed values at a path, raising ProblemError naming the path."""

    @staticmethod
    def fail(path: str, code: str, en: str, zh: str) -> ProblemError:
        return ProblemError(code, path, en, zh)

    def obj(self, value: Any, path: str) -> Mapping[str, Any]:
        if not isinstance(value, Mapping):
            raise self.fail(path, "not_object", "not an object", "不是对象")
        return value

    def key(self, obj: Mapping[str, Any], name: str, path: str) -> Any:
        if name not in obj or obj[name] is None:
            raise self.fail(_join(path, name), "missing", "missing", "缺少此字段")
        return obj[name]

    def list(self, value: Any, path: str) -> Sequence[Any]:
        if not isinstance(value, list):
            raise self.fail(path, "not_list", "not a list", "不是列表")
        if len(value) > MAX_ITEMS:
            raise self.fail(path, "too_many", f"more than {MAX_ITEMS} items", f"超过 {MAX_ITEMS} 项")
        return value

    def string(self, value: Any, path: str) -> str:
        if not isinstance(value, str):
            raise self.fail(path, "not_string", "not a string", "不是字符串")
        if not value.strip():
            raise self.fail(path, "empty", "empty", "为空")
        if len(value) > 200:
            raise self.fail(path, "too_long", "longer than 200 characters", "超过 200 个字符")
        return value

    def iso_date(self, value: Any, path: str) -> date:
        if isinstance(value, str) and _DATE.match(value):
            try:
                return date.fromisoformat(value)
            except ValueError:
                pass
        raise self.fail(path, "not_date", "not a date", "不是日期（应为 YYYY-MM-DD）")

    def boolean(self, value: Any, path: str) -> bool:
        if not isinstance(value, bool):
            raise self.fail(path, "not_boolean", "not true or false", "不是 true 或 false")
        return value

    def integer(self, value: Any, path: str, *, minimum: int = 0, maximum: int = 10**9) -> int:
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise self.fail(path, "not_integer", "not an integer", "不是整数")
        if isinstance(value, float):
            if not math.isfinite(value) or value != int(value):
                raise self.fail(path, "not_integer", "not an integer", "不是整数")
            value = int(value)
        if value < minimum:
            raise self.fail(path, "too_small", f"must be at least {minimum}", f"不得小于 {minimum}")
        if value > maximum:
            raise self.fail(path, "too_large", f"must be at most {maximum}", f"不得大于 {maximum}")
        return value

    def number(self, value: Any, path: str, *, minimum: float = 0, maximum: float = 1e9) -> float:
        if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
            raise self.fail(path, "not_number", "not a number", "不是数字")
        if value < minimum:
            raise self.fail(path, "too_small", f"must be at least {minimum:g}", f"不得小于 {minimum:g}")
        if value > maximum:
            raise self.fail(path, "too_large", f"must be at most {maximum:g}", f"不得大于 {maximum:g}")
        return value

    def period(self, value: Any, path: str) -> Period:
        obj = self.obj(value, path)
        start = self.iso_date(self.key(obj, "from", path), _join(path, "from"))
        end = self.iso_date(self.key(obj, "to", path), _join(path, "to"))
        if end < start:
            raise self.fail(_join(path, "to"), "before_from", "is before from", "早于 from")
        return Period(start, end)

    def dates(self, value: Any, path: str) -> frozenset[date]:
        return frozenset(self.iso_date(item, f"{path}[{n}]") for n, item in enumerate(self.list(value, path)))


def _join(path: str, name: str) -> str:
    return f"{path}.{name}" if path else name


def parse_problem(data: Any) -> Problem:
    """Check and convert the JSON value of a problem. Every error names the field at fault."""
    r = _Reader()
    if not isinstance(data, Mapping):
        raise r.fail("", "not_object", "the problem is not a JSON object", "问题文件不是 JSON 对象")
    top: Mapping[str, Any] = data
    horizon = r.period(r.key(top, "horizon", ""), "horizon")
    if (horizon.end - horizon.start).days + 1 > MAX_HORIZON_DAYS:
        raise r.fail(
            "horizon.to",
            "horizon_too_long",
            f"the horizon is longer than {MAX_HORIZON_DAYS} days",
            f"计划期超过 {MAX_HORIZON_DAYS} 天",
        )
    holidays = r.dates(top.get("holidays") or [], "holidays")
    working_weekends = r.dates(top.get("working_weekends") or [], "working_weekends")

    inspectors: list[Inspector] = []
    seen: set[str] = set()
    for n, raw in enumerate(r.list(r.key(top, "inspectors", ""), "inspectors")):
        path = f"inspectors[{n}]"
        obj = r.obj(raw, path)
        ident = r.string(r.key(obj, "id", path), f"{path}.id")
        if ident in seen:
            raise r.fail(f"{path}.id", "duplicate_id", f"duplicate id {ident!r}", f"编号 {ident!r} 重复")
        seen.add(ident)
        province = r.string(r.key(obj, "province", path), f"{path}.province")
        city = obj.get("city")
        city = r.string(city, f"{path}.city") if city not in (None, "") else None
        quals = frozenset(
            r.string(q, f"{path}.qualifications[{k}]")
            for k, q in enumerate(r.list(obj.get("qualifications") or [], f"{path}.qualifications"))
        )
        unavailable = tuple(
            r.period(p, f"{path}.unavailable[{k}]")
            for k, p in enumerate(r.list(obj.get("unavailable") or [], f"{path}.unavailable"))
        )
        max_days = r.integer(r.key(obj, "max_days", path), f"{path}.max_days", maximum=MAX_HORIZON_DAYS)
        inspectors.append(Inspector(ident, province, city, quals, unavailable, max_days, index=n))

    sites: list[Site] = []
    seen = set()
    for n, raw in enumerate(r.list(r.key(top, "sites", ""), "sites")):
        path = f"sites[{n}]"
        obj = r.obj(raw, path)
        ident = r.string(r.key(obj, "id", path), f"{path}.id")
        if ident in seen:
            raise r.fail(f"{path}.id", "duplicate_id", f"duplicate id {ident!r}", f"编号 {ident!r} 重复")
        seen.add(ident)
        province = r.string(r.key(obj, "province", path), f"{path}.province")
        city = obj.get("city")
        city = r.string(city, f"{path}.city") if city not in (None, "") else None
        sites.append(Site(ident, province, city))
    site_ids = {s.id for s in sites}

    raw_jobs = r.list(r.key(top, "jobs", ""), "jobs")
    values: list[float] = []
    jobs: list[Job] = []
    seen = set()
    for n, raw in enumerate(raw_jobs):
        path = f"jobs[{n}]"
        obj = r.obj(raw, path)
        ident = r.string(r.key(obj, "id", path), f"{path}.id")
        if ident in seen:
            raise r.fail(f"{path}.id", "duplicate_id", f"duplicate id {ident!r}", f"编号 {ident!r} 重复")
        seen.add(ident)
        site = r.string(r.key(obj, "site", path), f"{path}.site")
        if site not in site_ids:
            raise r.fail(f"{path}.site", "unknown_site", f"unknown site {site!r}", f"未知场地 {site!r}")
        kind = r.string(r.key(obj, "type", path), f"{path}.type")
        duration = r.integer(r.key(obj, "duration_days", path), f"{path}.duration_days", minimum=1, maximum=366)
        window = r.period(r.key(obj, "window", path), f"{path}.window")
        mandatory = r.boolean(r.key(obj, "mandatory", path), f"{path}.mandatory")
        value = r.number(r.key(obj, "value", path), f"{path}.value")
        team = r.obj(r.key(obj, "team", path), f"{path}.team")
        team_min = r.integer(r.key(team, "min", f"{path}.team"), f"{path}.team.min", minimum=1, maximum=1000)
        team_max = r.integer(r.key(team, "max", f"{path}.team"), f"{path}.team.max", minimum=1, maximum=1000)
        if team_max < team_min:
            raise r.fail(f"{path}.team.max", "below_min", "is below team.min", "小于 team.min")
        requires_raw = r.obj(obj.get("requires") or {}, f"{path}.requires")
        requires = []
        for q, count in requires_raw.items():
            qpath = f"{path}.requires.{q}"
            r.string(q, qpath)
            requires.append((q, r.integer(count, qpath, maximum=1000)))
        unannounced = r.boolean(obj.get("unannounced", False), f"{path}.unannounced")
        joint = None
        if obj.get("joint") is not None:
            jpath = f"{path}.joint"
            jobj = r.obj(obj["joint"], jpath)
            lead = r.string(r.key(jobj, "lead_province", jpath), f"{jpath}.lead_province")
            partner = r.string(r.key(jobj, "partner_province", jpath), f"{jpath}.partner_province")
            if partner == lead:
                raise r.fail(
                    f"{jpath}.partner_province",
                    "same_province",
                    "is the lead province",
                    "与牵头省份相同",
                )
            min_each = r.integer(r.key(jobj, "min_each", jpath), f"{jpath}.min_each", maximum=1000)
            joint = Joint(lead, partner, min_each)
        target = None
        if obj.get("target") is not None:
            target = r.iso_date(obj["target"], f"{path}.target")
            if not window.start <= target <= window.end:
                raise r.fail(f"{path}.target", "outside_window", "is outside the window", "不在检查窗口内")
        risk = None
        if obj.get("risk") is not None:
            risk = r.number(obj["risk"], f"{path}.risk", maximum=100)
        obligations = tuple(
            r.string(o, f"{path}.obligations[{k}]")
            for k, o in enumerate(r.list(obj.get("obligations") or [], f"{path}.obligations"))
        )
        values.append(value)
        jobs.append(
            Job(
                ident,
                site,
                kind,
                duration,
                window,
                mandatory,
                value,
                team_min,
                team_max,
                tuple(requires),
                unannounced,
                joint,
                target,
                risk,
                obligations,
                index=n,
            )
        )

    inspector_ids = {i.id for i in inspectors}
    conflicts: set[tuple[str, str]] = set()
    for n, raw in enumerate(r.list(top.get("conflicts") or [], "conflicts")):
        path = f"conflicts[{n}]"
        obj = r.obj(raw, path)
        who = r.string(r.key(obj, "inspector", path), f"{path}.inspector")
        if who not in inspector_ids:
            raise r.fail(f"{path}.inspector", "unknown_inspector", f"unknown inspector {who!r}", f"未知检查员 {who!r}")
        where = r.string(r.key(obj, "site", path), f"{path}.site")
        if where not in site_ids:
            raise r.fail(f"{path}.site", "unknown_site", f"unknown site {where!r}", f"未知场地 {where!r}")
        conflicts.add((who, where))

    scale = 1 if all(float(v).is_integer() for v in values) else 1000
    return Problem(
        horizon=horizon,
        holidays=holidays,
        working_weekends=working_weekends,
        inspectors=tuple(inspectors),
        sites=tuple(sites),
        jobs=tuple(jobs),
        conflicts=frozenset(conflicts),
        value_scale=scale,
    )


def problem_to_dict(problem: Problem) -> dict[str, Any]:
    """The problem in the exchange format (with bioseg's extensions where set)."""

    def job(j: Job) -> dict[str, Any]:
        out: dict[str, Any] = {
            "id": j.id,
            "site": j.site,
            "type": j.type,
            "duration_days": j.duration_days,
            "window": j.window.as_dict(),
            "mandatory": j.mandatory,
            "value": int(j.value) if float(j.value).is_integer() else j.value,
            "team": {"min": j.team_min, "max": j.team_max},
            "requires": dict(j.requires),
            "unannounced": j.unannounced,
        }
        if j.joint is not None:
            out["joint"] = {
                "lead_province": j.joint.lead_province,
                "partner_province": j.joint.partner_province,
                "min_each": j.joint.min_each,
            }
        if j.target is not None:
            out["target"] = j.target.isoformat()
        if j.risk is not None:
            out["risk"] = j.risk
        if j.obligations:
            out["obligations"] = list(j.obligations)
        return out

    return {
        "horizon": problem.horizon.as_dict(),
        "holidays": sorted(d.isoformat() for d in problem.holidays),
        "working_weekends": sorted(d.isoformat() for d in problem.working_weekends),
        "inspectors": [
            {
                "id": i.id,
                "province": i.province,
                "city": i.city,
                "qualifications": sorted(i.qualifications),
                "unavailable": [p.as_dict() for p in i.unavailable],
                "max_days": i.max_days,
            }
            for i in problem.inspectors
        ],
        "sites": [{"id": s.id, "province": s.province, "city": s.city} for s in problem.sites],
        "jobs": [job(j) for j in problem.jobs],
        "conflicts": [{"inspector": i, "site": s} for i, s in sorted(problem.conflicts)],
    }
