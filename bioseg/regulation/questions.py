"""Questions from the case schema: what to ask about any fact of a case, and how an answer goes into it.

The questionnaire engine of the eligibility wizard, and of any form that enters facts (never raw JSON):

- :func:`input_for` builds the form control of **any** fact path of the case schema (``holder.region``,
  ``contract_manufacturers[0].qa_system_complete``, ``joint_regulatory_plan.agreed_by`` …): its kind
  (:class:`Kind`: bool, date, choice, int, text, region, regions), its label and help in both languages,
  its choices with bilingual labels, and :meth:`Input.parse`, which reads a submitted value or refuses it
  with a bilingual error (:class:`InvalidAnswer`).
- :func:`question_for` turns a path into a :class:`Question` — one input, a group of inputs (an unknown
  object) or rows of inputs (an unknown list, with "there are none") — and :func:`questions_for_paths`
  does it for any set of paths; :func:`questions_for` asks a determination's missing facts, in rule order,
  then offers to record the regulators' acts it awaits (a joint plan agreed, NMPA's consent): those are
  not the applicant's to give, so they come last and say whose act they record.
- :func:`apply_answers` lays the submitted answers over a case (a JSON-ready dict) and returns the new
  case, or raises :class:`AnswerErrors` naming every bad input; "unknown" (blank) leaves a fact unknown.
- A form shows one language at a time: :meth:`Question.in_language` gives the labels, help, choices and
  errors in ``en`` or ``zh`` only.

Pure: no Django, no clock; the labels come from :mod:`.labels` and the types from :mod:`.case`.
"""

from __future__ import annotations

import dataclasses
import enum
import json
import types
import typing
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any, Protocol

from pydantic import BaseModel

from ..rulebook import Determination, InputError
from .case import CATEGORY_LABELS, ORIGIN_LABELS, Case, Category, Origin, Stage, parse_case
from .facts import PROVINCE_NAMES
from .labels import FACT_LABELS, STAGE_LABELS, fact_label, generic_path, parse_path

CaseData = dict[str, Any]  # a case as JSON-ready data (what a form carries), not yet a Case


class Kind(enum.StrEnum):
    """What kind of control a fact needs."""

    BOOL = "bool"  # yes / no / unknown
    DATE = "date"  # YYYY-MM-DD
    CHOICE = "choice"  # one of a list
    INT = "int"
    TEXT = "text"
    REGION = "region"  # a province, or a country code if abroad
    REGIONS = "regions"  # several provinces (or none)
    LIST = "list"  # rows of inputs: an unknown list
    GROUP = "group"  # several inputs: an unknown object


@dataclass(frozen=True, slots=True)
class Text:
    """A text in both languages; a form shows one of them."""

    en: str
    zh: str

    def get(self, lang: str) -> str:
        return self.zh if lang == "zh" else self.en


@dataclass(frozen=True, slots=True)
class Option:
    value: str
    label: Text


class InvalidAnswer(ValueError):
    """A submitted value that cannot be read, with the reason in both languages."""

    def __init__(self, message: Text):
        super().__init__(message.en)
        self.message = message


class AnswerErrors(Exception):
    """Some answers could not be read: input name → bilingual reason. Nothing was applied."""

    def __init__(self, errors: Mapping[str, Text]):
        super().__init__("; ".join(f"{name}: {text.en}" for name, text in errors.items()))
        self.errors = dict(errors)

    def in_language(self, lang: str) -> dict[str, str]:
        return {name: text.get(lang) for name, text in self.errors.items()}


class FormData(Protocol):
    """What a submitted form offers (Django's ``QueryDict`` does; :class:`Answers` for plain data)."""

    def getlist(self, key: str) -> list[str]: ...

    def get(self, key: str, default: Any = None) -> Any: ...


class Answers(dict[str, list[str]]):
    """Submitted values as plain data, each name with its list of values (tests, scripts, other forms)."""

    @classmethod
    def of(cls, values: Mapping[str, str | Sequence[str]]) -> Answers:
        return cls({k: [v] if isinstance(v, str) else list(v) for k, v in values.items()})

    def getlist(self, key: str) -> list[str]:
        return list(super().get(key) or [])

    def get(self, key: str, default: Any = None) -> Any:
        values = super().get(key)
        return values[-1] if values else default


# ------------------------------------------------------------------------------------------------ texts

AWAITED_HEADING = Text(
    "What regulators still have to do — record it here once it is done",
    "尚待监管部门办理的事项——办理后请在此记录",
)
AWAITED_FROM = Text(
    "An act of {names}; it is not a fact the applicant must give.", "此为{names}的职责事项，并非申请人须提供的事实。"
)

BAD_BOOL = Text("Answer yes, no or unknown.", "请回答是、否或未知。")
BAD_DATE = Text("Enter a date as YYYY-MM-DD.", "请按 YYYY-MM-DD 格式填写日期。")
BAD_INT = Text("Enter a whole number.", "请填写整数。")
BAD_CHOICE = Text("Choose one of the values offered.", "请从所列选项中选择。")

HINTS: dict[Kind, Text] = {
    Kind.BOOL: Text("Yes, no or unknown; unknown is never read as no.", "是、否或未知；未知不会被视为否。"),
    Kind.DATE: Text("A date, YYYY-MM-DD.", "日期，格式为 YYYY-MM-DD。"),
    Kind.CHOICE: Text("Choose one, or leave it unknown.", "请选择一项，或保留为未知。"),
    Kind.INT: Text("A whole number.", "整数。"),
    Kind.TEXT: Text("Up to 300 characters.", "不超过300个字符。"),
    Kind.REGION: Text(
        "A province, or the country's ISO 3166 code (e.g. DE) if abroad.",
        "选择省份；如在境外，填写国家的 ISO 3166 代码（如 DE）。",
    ),
    Kind.REGIONS: Text("Tick every province that applies, or “none yet”.", "勾选所有适用的省份，或选择“尚无”。"),
    Kind.LIST: Text("One row per entry; tick “there are none” if there is none.", "每行一项；如没有，请勾选“没有”。"),
    Kind.GROUP: Text("Answer what you know; leave the rest unknown.", "请回答已知的部分，其余保留为未知。"),
}

SECTION_LABELS: dict[str, Text] = {
    "product": Text("Product", "产品"),
    "holder": Text("Holder", "持有人"),
    "segments": Text("Segments", "生产阶段"),
    "contract_manufacturers": Text("Contract manufacturers", "受托生产企业"),
    "stationed_personnel": Text("Stationed personnel", "派驻人员"),
    "joint_regulatory_plan": Text("Regulators", "监管部门"),
    "nmpa_consent": Text("Regulators", "监管部门"),
    "pilot_approval": Text("Regulators", "监管部门"),
    "application": Text("Application", "申请"),
}

CHOICE_LABELS: dict[type[enum.Enum], Mapping[Any, tuple[str, str]]] = {
    Category: CATEGORY_LABELS,
    Origin: ORIGIN_LABELS,
    Stage: STAGE_LABELS,
}

# For a list that is not known at all, ask only what identifies its rows; the rest follows if it matters.
LIST_ROW_FIELDS: dict[str, tuple[str, ...]] = {
    "segments": ("stage", "enterprise", "region"),
    "contract_manufacturers": ("name",),
    "stationed_personnel": ("name", "qualified", "stationed_at"),
}
LIST_ROWS: dict[str, int] = {"segments": 3, "contract_manufacturers": 2, "stationed_personnel": 4}
OUTSIDE_MAINLAND = frozenset({"710000", "810000", "820000"})  # Taiwan, Hong Kong, Macao: abroad, by country code
NONE_VALUE = "none"  # the "none yet" box of a regions input

# ------------------------------------------------------------------------------------------------ the schema


def _unwrap(annotation: Any) -> Any:
    """``X | None`` → X, ``Annotated[X, ...]`` → X (keeping ``list[...]`` as it is)."""
    while True:
        origin = typing.get_origin(annotation)
        if origin in (typing.Union, types.UnionType):
            annotation = next(a for a in typing.get_args(annotation) if a is not type(None))
        elif origin is typing.Annotated:
            annotation = typing.get_args(annotation)[0]
        else:
            return annotation


def _model_of(annotation: Any) -> type[BaseModel] | None:
    inner = _unwrap(annotation)
    if typing.get_origin(inner) is list:
        inner = _unwrap(typing.get_args(inner)[0])
    return inner if isinstance(inner, type) and issubclass(inner, BaseModel) else None


def _schema_field(path: str) -> tuple[Any, str]:
    """The type annotation (unwrapped) and the description of the schema field at ``path``."""
    model: type[BaseModel] | None = Case
    annotation: Any = Case
    description = ""
    names = [p for p in parse_path(path) if isinstance(p, str)]
    if not names:
        raise KeyError(path)
    for name in names:
        if model is None or name not in model.model_fields:
            raise KeyError(path)
        info = model.model_fields[name]
        annotation = _unwrap(info.annotation)
        description = info.description or ""
        model = _model_of(annotation)
    return annotation, description


def fact_kind(path: str) -> tuple[Kind, Any]:
    """The kind of the fact at ``path`` and its Python type (the row model of a list, the model of a group,
    the enum of a choice). Raises ``KeyError`` for a path the case schema does not have."""
    annotation, _ = _schema_field(path)
    if typing.get_origin(annotation) is list:
        item = _unwrap(typing.get_args(annotation)[0])
        if isinstance(item, type) and issubclass(item, BaseModel):
            return Kind.LIST, item
        return Kind.REGIONS, str  # the only list of values in the schema: provinces
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return Kind.GROUP, annotation
    if annotation is bool:
        return Kind.BOOL, bool
    if annotation is date:
        return Kind.DATE, date
    if annotation is int:
        return Kind.INT, int
    if isinstance(annotation, type) and issubclass(annotation, enum.Enum):
        return Kind.CHOICE, annotation
    if path.rsplit(".", 1)[-1] == "region":
        return Kind.REGION, str
    return Kind.TEXT, str


# Facts no one answers in a form: bioseg's workflow writes them when a regulator signs its determination.
NOT_ASKED = frozenset({"regulator_determinations"})


def schema_paths(model: type[BaseModel] = Case, prefix: str = "") -> Iterator[str]:
    """Every fact path of the case schema that a form may ask, objects and lists included, without indices
    (``segments.region``)."""
    for name, info in model.model_fields.items():
        path = f"{prefix}{name}"
        if path in NOT_ASKED:
            continue
        yield path
        inner = _model_of(info.annotation)
        if inner is not None:
            yield from schema_paths(inner, f"{path}.")


def _help(path: str, kind: Kind) -> Text:
    """The schema's description of the fact (``"English / 中文"``), then the kind's hint."""
    _, description = _schema_field(path)
    hint = HINTS[kind]
    if " / " not in description:
        return hint
    en, zh = description.rsplit(" / ", 1)
    return Text(f"{en[:1].upper()}{en[1:]}. {hint.en}", f"{zh}。{hint.zh}")


def label_of(path: str, case: Mapping[str, Any] | None = None) -> Text:
    """The fact's label; an entry of a list is named from ``case`` (its name, or its position)."""
    en, zh = fact_label(path, case)
    return Text(en, zh)


# ------------------------------------------------------------------------------------------------ inputs


@dataclass(frozen=True, slots=True)
class Input:
    """One form control: the fact it sets, its kind, labels, help and choices."""

    path: str
    kind: Kind
    label: Text
    help: Text
    choices: tuple[Option, ...] = ()

    @property
    def name(self) -> str:
        """The form field's name: ``f:`` + the fact path."""
        return f"f:{self.path}"

    def parse(self, raw: Sequence[str | None]) -> tuple[bool, Any]:
        """``(given, value)`` for the submitted values; ``given`` is False when the answer is unknown (blank).
        The value is JSON-ready (a date as ``YYYY-MM-DD``). Raises :class:`InvalidAnswer`."""
        values = [v.strip() for v in raw if v is not None and v.strip() != ""]
        if self.kind is Kind.REGIONS:
            if NONE_VALUE in values:
                return True, []
            return (True, values) if values else (False, None)
        if not values:
            return False, None
        value = values[0]
        if self.kind is Kind.BOOL:
            if value not in ("true", "false"):
                raise InvalidAnswer(BAD_BOOL)
            return True, value == "true"
        if self.kind is Kind.DATE:
            try:
                return True, date.fromisoformat(value).isoformat()
            except ValueError:
                raise InvalidAnswer(BAD_DATE) from None
        if self.kind is Kind.INT:
            try:
                return True, int(value)
            except ValueError:
                raise InvalidAnswer(BAD_INT) from None
        if self.kind is Kind.CHOICE:
            if value not in {c.value for c in self.choices}:
                raise InvalidAnswer(BAD_CHOICE)
            return True, value
        if self.kind is Kind.REGION:  # the case model checks the code and names the field if it is wrong
            return True, value.upper() if value.isalpha() else value
        return True, value


def _enum_choices(enum_type: type[enum.Enum]) -> tuple[Option, ...]:
    labels = CHOICE_LABELS.get(enum_type, {})
    out = []
    for member in enum_type:
        en, zh = labels.get(member, (str(member.value), str(member.value)))
        out.append(Option(str(member.value), Text(en, zh)))
    return tuple(out)


def _province_choices(only: Sequence[str] = ()) -> tuple[Option, ...]:
    return tuple(
        Option(code, Text(en, zh))
        for code, (zh, en) in PROVINCE_NAMES.items()
        if code not in OUTSIDE_MAINLAND and (not only or code in only)
    )


def cmo_names(case: Mapping[str, Any]) -> list[str]:
    """The contract manufacturers a case names: described ones, then enterprises of segments other than the
    holder."""
    names: dict[str, None] = {}
    for entry in case.get("contract_manufacturers") or []:
        if isinstance(entry, dict) and entry.get("name"):
            names.setdefault(entry["name"], None)
    holder = ((case.get("holder") or {}).get("name") or "").strip().casefold()
    for segment in case.get("segments") or []:
        name = segment.get("enterprise") if isinstance(segment, dict) else None
        if name and name.strip().casefold() != holder:
            names.setdefault(name, None)
    return list(names)


def involved_provinces(case: Mapping[str, Any]) -> list[str]:
    """The mainland provinces of the holder and of every segment the case places."""
    codes: list[str] = []
    regions = [(case.get("holder") or {}).get("region")]
    regions += [s.get("region") for s in case.get("segments") or [] if isinstance(s, dict)]
    for region in regions:
        if isinstance(region, str) and region.isdigit() and len(region) == 6:
            province = region[:2] + "0000"
            if province not in codes and province not in OUTSIDE_MAINLAND:
                codes.append(province)
    return codes


def input_for(path: str, case: Mapping[str, Any] | None = None, *, label: Text | None = None) -> Input:
    """The control for the fact at ``path`` (any path of the case schema, with or without list indices).
    ``case`` narrows choices to what it already says: a stationed person's post among its contract
    manufacturers, a joint plan's provinces among those involved."""
    case = case or {}
    kind, py = fact_kind(path)
    if kind in (Kind.LIST, Kind.GROUP):
        raise ValueError(f"{path} is a {kind}: ask it with question_for")
    choices: tuple[Option, ...] = ()
    if kind is Kind.CHOICE:
        choices = _enum_choices(py)
    elif kind is Kind.REGION:
        choices = _province_choices()
    elif kind is Kind.REGIONS:
        choices = _province_choices(involved_provinces(case))
    if generic_path(path) == "stationed_personnel.stationed_at":
        names = cmo_names(case)
        if names:
            kind, choices = Kind.CHOICE, tuple(Option(n, Text(n, n)) for n in names)
    return Input(path=path, kind=kind, label=label or label_of(path, case), help=_help(path, kind), choices=choices)


# ------------------------------------------------------------------------------------------------ questions


@dataclass(frozen=True, slots=True)
class InputView:
    """An input in one language, with the error of its last answer, if any."""

    name: str
    path: str
    kind: str
    label: str
    help: str
    choices: tuple[tuple[str, str], ...]
    error: str = ""


@dataclass(frozen=True, slots=True)
class QuestionView:
    """A question in one language (what a form renders)."""

    path: str
    kind: str
    label: str
    help: str
    section: str
    rules: tuple[str, ...]
    inputs: tuple[InputView, ...]
    rows: tuple[tuple[InputView, ...], ...]
    none_name: str
    awaited_from: str = ""  # for a regulator's act: whose act it is, in one sentence

    @property
    def grouped(self) -> bool:
        """Several inputs under one legend: each input shows its own label."""
        return self.kind == Kind.GROUP


@dataclass(frozen=True, slots=True)
class Question:
    """What to ask about one fact: one input, a group of inputs, or rows of inputs for a list."""

    path: str  # the fact as the rules name it
    kind: Kind  # an input's kind, or LIST (rows) or GROUP (several inputs)
    label: Text
    help: Text
    section: Text
    rules: tuple[str, ...] = ()  # the rules that need it
    inputs: tuple[Input, ...] = ()
    rows: tuple[tuple[Input, ...], ...] = ()
    none_name: str = ""  # for a list: the "there are none" box
    awaited_from: tuple[Text, ...] = ()  # a regulator's act: the regulators whose act the fact records

    def all_inputs(self) -> Iterator[Input]:
        yield from self.inputs
        for row in self.rows:
            yield from row

    def in_language(self, lang: str, errors: Mapping[str, Text | str] | None = None) -> QuestionView:
        errors = errors or {}

        def view(inp: Input) -> InputView:
            error = errors.get(inp.name, "")
            return InputView(
                name=inp.name,
                path=inp.path,
                kind=str(inp.kind),
                label=inp.label.get(lang),
                help=inp.help.get(lang),
                choices=tuple((c.value, c.label.get(lang)) for c in inp.choices),
                error=error.get(lang) if isinstance(error, Text) else error,
            )

        return QuestionView(
            path=self.path,
            kind=str(self.kind),
            label=self.label.get(lang),
            help=self.help.get(lang),
            section=self.section.get(lang),
            rules=self.rules,
            inputs=tuple(view(i) for i in self.inputs),
            rows=tuple(tuple(view(i) for i in row) for row in self.rows),
            none_name=self.none_name,
            awaited_from=_awaited_from(self.awaited_from, lang),
        )


def _awaited_from(authorities: tuple[Text, ...], lang: str) -> str:
    if not authorities:
        return ""
    names = ("、" if lang == "zh" else ", ").join(a.get(lang) for a in authorities)
    return AWAITED_FROM.get(lang).format(names=names)


def _section(path: str) -> Text:
    parts = parse_path(path)
    top = parts[0] if parts and isinstance(parts[0], str) else ""
    if top in SECTION_LABELS:
        return SECTION_LABELS[top]
    en, zh = FACT_LABELS.get(top, (top, top))
    return Text(en, zh)


def _generic_label(path: str) -> Text:
    en, zh = FACT_LABELS.get(generic_path(path), (path, path))
    return Text(en, zh)


def question_for(path: str, case: Mapping[str, Any] | None = None, *, rules: Sequence[str] = ()) -> Question:
    """The question about the fact at ``path`` (any path of the case schema)."""
    case = case or {}
    kind, py = fact_kind(path)
    label = label_of(path, case)
    section = _section(path)
    if kind is Kind.LIST:
        top = generic_path(path)
        names = LIST_ROW_FIELDS.get(top) or tuple(
            n for n in py.model_fields if fact_kind(f"{path}[0].{n}")[0] not in (Kind.LIST, Kind.GROUP)
        )
        existing = case.get(top)
        start = len(existing) if isinstance(existing, list) else 0
        rows = tuple(
            tuple(input_for(f"{path}[{i}].{n}", case, label=_generic_label(f"{path}.{n}")) for n in names)
            for i in range(start, start + LIST_ROWS.get(top, 3))
        )
        return Question(path, kind, label, HINTS[Kind.LIST], section, tuple(rules), rows=rows, none_name=f"none:{path}")
    if kind is Kind.GROUP:
        inputs = tuple(
            input_for(f"{path}.{n}", case)
            for n in py.model_fields
            if fact_kind(f"{path}.{n}")[0] not in (Kind.LIST, Kind.GROUP)
        )
        return Question(path, kind, label, HINTS[Kind.GROUP], section, tuple(rules), inputs=inputs)
    single = input_for(path, case, label=label)
    return Question(path, kind, label, single.help, section, tuple(rules), inputs=(single,))


def questions_for_paths(
    paths: Sequence[str], case: Mapping[str, Any] | None = None, *, asked_by: Mapping[str, Sequence[str]] | None = None
) -> list[Question]:
    """One question per fact path, in the order given (a form for any set of facts)."""
    asked_by = asked_by or {}
    return [question_for(path, case, rules=asked_by.get(path, ())) for path in dict.fromkeys(paths)]


def questions_for(determination: Determination, case: Mapping[str, Any] | None = None) -> list[Question]:
    """The determination's missing facts as questions, in rule order, each naming the rules that need it;
    then the facts that record a regulator's act the determination awaits, each naming those regulators."""
    asked_by: dict[str, list[str]] = {}
    awaited_from: dict[str, dict[str, Text]] = {}
    for finding in determination.findings:
        for path in finding.missing_facts:
            asked_by.setdefault(path, []).append(finding.rule)
        for path in finding.awaited_facts:
            asked_by.setdefault(path, []).append(finding.rule)
            for authority in finding.needs_determination_by:
                awaited_from.setdefault(path, {})[authority.code] = Text(authority.name_en, authority.name_zh)
    missing = questions_for_paths(determination.missing_facts, case, asked_by=asked_by)
    awaited = [
        dataclasses.replace(question, awaited_from=tuple(awaited_from.get(question.path, {}).values()))
        for question in questions_for_paths(determination.awaited_facts, case, asked_by=asked_by)
    ]
    return missing + awaited


# ------------------------------------------------------------------------------------------------ answers


def _resolve(container: Any, part: str | int | tuple[str, str], make: type[dict] | type[list]) -> Any:
    if isinstance(part, tuple):  # [name="X"] within a list of objects
        key, wanted = part
        for entry in container:
            if isinstance(entry, dict) and (entry.get(key) or "").strip().casefold() == wanted.strip().casefold():
                return entry
        created = {key: wanted}
        container.append(created)
        return created
    if isinstance(part, int):
        while len(container) <= part:
            container.append({})
        if container[part] is None:
            container[part] = {}
        return container[part]
    if container.get(part) is None:
        container[part] = make()
    return container[part]


def set_fact(case: CaseData, path: str, value: Any) -> None:
    """Set the fact at ``path`` in ``case``, creating the objects and list entries on the way."""
    parts = parse_path(path)
    target: Any = case
    for i, part in enumerate(parts[:-1]):
        target = _resolve(target, part, dict if isinstance(parts[i + 1], str) else list)
    last = parts[-1]
    if isinstance(last, str):
        target[last] = value
    else:  # a path ending in an index or a selector: the entry itself
        entry = _resolve(target, last, dict)
        if isinstance(value, dict):
            entry.update(value)


def apply_answers(case: Mapping[str, Any], questions: Sequence[Question], data: FormData) -> CaseData:
    """A copy of ``case`` with the answers to ``questions``; raises :class:`AnswerErrors` naming every input
    that cannot be read (and then applies nothing). An unknown list answered row by row becomes those rows;
    "there are none" makes it empty."""
    new: CaseData = json.loads(json.dumps(case))
    errors: dict[str, Text] = {}

    def read(inp: Input) -> tuple[bool, Any]:
        try:
            return inp.parse(data.getlist(inp.name))
        except InvalidAnswer as exc:
            errors[inp.name] = exc.message
            return False, None

    for question in questions:
        if question.kind is Kind.LIST:
            rows = []
            for row in question.rows:
                entry: dict[str, Any] = {}
                for inp in row:
                    given, value = read(inp)
                    if given:
                        entry[generic_path(inp.path).rsplit(".", 1)[-1]] = value
                if entry:
                    rows.append(entry)
            if rows:
                set_fact(new, question.path, rows)
            elif data.get(question.none_name):
                set_fact(new, question.path, [])
            continue
        for inp in question.inputs:
            given, value = read(inp)
            if given:
                set_fact(new, inp.path, value)
    if errors:
        raise AnswerErrors(errors)
    return new


MAX_CASE_TEXT = 200_000  # characters of case JSON accepted from a form


def case_from_json(raw: str | None) -> CaseData:
    """The case a form carries as JSON (``as_of`` aside), checked against the case schema; raises
    :class:`InputError` (``field="state"`` for JSON that cannot be read, the case field otherwise)."""
    if not raw:
        return {}
    if len(raw) > MAX_CASE_TEXT:
        raise InputError("case_too_large", "the case is too large", "案例过大", field="state")
    try:
        data = json.loads(raw)
    except json.JSONDecodeError as exc:
        raise InputError(
            "case_json_malformed",
            f"the case is not valid JSON (line {exc.lineno}, column {exc.colno}: {exc.msg})",
            f"案例不是有效的 JSON（第{exc.lineno}行第{exc.colno}列：{exc.msg}）",
            field="state",
        ) from None
    if not isinstance(data, dict):
        raise InputError("case_not_a_mapping", "the case must be a JSON object", "案例必须是 JSON 对象", field="state")
    parse_case({k: v for k, v in data.items() if k != "as_of"})
    return data


__all__ = [
    "AWAITED_HEADING",
    "AnswerErrors",
    "Answers",
    "CaseData",
    "FormData",
    "Input",
    "InputView",
    "InvalidAnswer",
    "Kind",
    "Option",
    "Question",
    "QuestionView",
    "Text",
    "apply_answers",
    "case_from_json",
    "cmo_names",
    "fact_kind",
    "input_for",
    "involved_provinces",
    "label_of",
    "question_for",
    "questions_for",
    "questions_for_paths",
    "schema_paths",
    "set_fact",
]
