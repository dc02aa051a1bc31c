"""GS1 keys in Digital Link form, EPC URN conversion, and the NMPA 20-digit drug traceability code.

Everything here is pure: strings in, strings (or small frozen dataclasses) out, ``IdentifierError`` on bad
input. Check digits follow the GS1 General Specifications §7.9.1 (mod-10, weights 3-1-3… from the right);
Digital Link URIs follow GS1 Digital Link 1.x: canonical host ``https://id.gs1.org``, numeric AIs, GTIN
padded to 14 digits, key qualifiers (lot ``10``, serial ``21``, SGLN extension ``254``) percent-encoded.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import quote, unquote

from .vocab import BIOSEG_NS

GS1_DL_BASE = "https://id.gs1.org"

#: GS1 AI encodable character set 82 (GS1 General Specifications figure 7.11-1): what a lot, serial or
#: GLN extension may contain before percent-encoding.
_CSET82 = re.compile(r"^[!\"%&'()*+,\-./0-9:;<=>?A-Z_a-z]{1,20}$")


class IdentifierError(ValueError):
    """An identifier that is not what it claims to be. ``code`` is stable; ``str(err)`` explains."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


# ---------------------------------------------------------------------------------------------------------
# Check digits and keys


def gs1_check_digit(body: str) -> str:
    """The GS1 mod-10 check digit for ``body`` (the key without its check digit)."""
    total = 0
    for position, char in enumerate(reversed(body)):
        digit = ord(char) - 48
        total += digit * 3 if position % 2 == 0 else digit
    return str((10 - total % 10) % 10)


def _check_numeric_key(value: object, *, name: str, lengths: tuple[int, ...]) -> str:
    if not isinstance(value, str):
        raise IdentifierError(f"{name.lower()}_type", f"{name} must be a string of digits, got {type(value).__name__}")
    if not value.isascii() or not value.isdigit():
        raise IdentifierError(f"{name.lower()}_digits", f"{name} {value!r} must contain digits only")
    if len(value) not in lengths:
        expected = " or ".join(str(n) for n in lengths)
        raise IdentifierError(
            f"{name.lower()}_length", f"{name} {value!r} has {len(value)} digits; expected {expected}"
        )
    expected_digit = gs1_check_digit(value[:-1])
    if value[-1] != expected_digit:
        raise IdentifierError(
            f"{name.lower()}_check_digit",
            f"{name} {value!r} has check digit {value[-1]}, but the GS1 mod-10 check digit is {expected_digit}",
        )
    return value


def validate_gtin(gtin: str) -> str:
    """Validate a GTIN-8/12/13/14 and return it as GTIN-14 (left-padded with zeros)."""
    _check_numeric_key(gtin, name="GTIN", lengths=(8, 12, 13, 14))
    return gtin.zfill(14)


def validate_gln(gln: str) -> str:
    """Validate a 13-digit GLN (check digit included) and return it."""
    return _check_numeric_key(gln, name="GLN", lengths=(13,))


def validate_sscc(sscc: str) -> str:
    """Validate an 18-digit SSCC (extension digit + company prefix + serial reference + check digit)."""
    return _check_numeric_key(sscc, name="SSCC", lengths=(18,))


def _check_cset82(value: object, *, what: str) -> str:
    if not isinstance(value, str) or not _CSET82.match(value):
        raise IdentifierError(
            f"{what}_characters",
            f"{what.replace('_', ' ')} {value!r} must be 1–20 characters from the GS1 AI character set 82 "
            "(A–Z a–z 0–9 and ! \" % & ' ( ) * + , - . / : ; < = > ? _)",
        )
    return value


def dl_encode(value: str) -> str:
    """Percent-encode a key qualifier for a Digital Link path segment.

    Everything but ``A–Z a–z 0–9 - . _`` is encoded (upper-case hex), which covers every character GS1
    Digital Link requires to be escaped (``! " % & ' ( ) * + , / : ; < = > ?``) and keeps the URI canonical.
    """
    return quote(value, safe="-._")


# ---------------------------------------------------------------------------------------------------------
# Digital Link builders


def lgtin_uri(gtin: str, lot: str) -> str:
    """Class-level identifier of a lot: ``https://id.gs1.org/01/{gtin14}/10/{lot}``."""
    return f"{GS1_DL_BASE}/01/{validate_gtin(gtin)}/10/{dl_encode(_check_cset82(lot, what='lot'))}"


def sgtin_uri(gtin: str, serial: str) -> str:
    """Instance-level identifier of a trade item: ``https://id.gs1.org/01/{gtin14}/21/{serial}``."""
    return f"{GS1_DL_BASE}/01/{validate_gtin(gtin)}/21/{dl_encode(_check_cset82(serial, what='serial'))}"


def sscc_uri(sscc: str) -> str:
    """Logistic unit: ``https://id.gs1.org/00/{sscc18}``."""
    return f"{GS1_DL_BASE}/00/{validate_sscc(sscc)}"


def sgln_uri(gln: str, extension: str | None = None) -> str:
    """Physical location: ``https://id.gs1.org/414/{gln13}`` plus ``/254/{extension}`` when given."""
    uri = f"{GS1_DL_BASE}/414/{validate_gln(gln)}"
    if extension:
        uri += f"/254/{dl_encode(_check_cset82(extension, what='gln_extension'))}"
    return uri


def pgln_uri(gln: str) -> str:
    """Party (organisation) GLN, used for owning/possessing party in source and destination lists."""
    return f"{GS1_DL_BASE}/417/{validate_gln(gln)}"


# ---------------------------------------------------------------------------------------------------------
# Digital Link parser

_DL_SHORT_NAMES = {
    "gtin": "01",
    "sscc": "00",
    "gln": "414",
    "party": "417",
    "lot": "10",
    "ser": "21",
    "cpv": "22",
    "grai": "8003",
    "giai": "8004",
    "itip": "8006",
    "cpid": "8010",
    "gsrnp": "8017",
    "gsrn": "8018",
    "gcn": "255",
    "gdti": "253",
    "ginc": "401",
    "gsin": "402",
}
_PRIMARY_AIS = frozenset(
    {"00", "01", "253", "255", "401", "402", "414", "417", "8003", "8004", "8006", "8010", "8017", "8018"}
)
#: Primary keys with a fixed numeric part that ends in a GS1 check digit: AI -> (length, name).
_CHECKED_KEYS = {
    "00": (18, "SSCC"),
    "01": (14, "GTIN"),
    "414": (13, "GLN"),
    "417": (13, "GLN"),
    "8017": (18, "GSRN"),
    "8018": (18, "GSRN"),
    "402": (17, "GSIN"),
}
_PREFIX_CHECKED_KEYS = {"253": (13, "GDTI"), "255": (13, "GCN"), "8003": (14, "GRAI")}
_DL_RE = re.compile(r"^https?://[^/?#]+(/[^?#]*)(?:\?[^#]*)?(?:#.*)?$")


@dataclass(frozen=True, slots=True)
class DigitalLink:
    """A parsed GS1 Digital Link URI: primary key AI and value, and the key qualifiers (decoded)."""

    ai: str
    key: str
    qualifiers: tuple[tuple[str, str], ...] = ()

    def qualifier(self, ai: str) -> str | None:
        for name, value in self.qualifiers:
            if name == ai:
                return value
        return None

    @property
    def gtin(self) -> str | None:
        return self.key if self.ai == "01" else None

    @property
    def lot(self) -> str | None:
        return self.qualifier("10")

    @property
    def serial(self) -> str | None:
        return self.qualifier("21")

    @property
    def canonical(self) -> str:
        uri = f"{GS1_DL_BASE}/{self.ai}/{self.key if self.ai != '8010' else dl_encode(self.key)}"
        for name, value in self.qualifiers:
            uri += f"/{name}/{dl_encode(value) if name != '8011' else value}"
        return uri


def is_digital_link(uri: str) -> bool:
    """True when ``uri`` is an http(s) URI whose path carries a GS1 primary key (any host)."""
    match = _DL_RE.match(uri) if isinstance(uri, str) else None
    if not match:
        return False
    segments = match.group(1).split("/")
    return any(_DL_SHORT_NAMES.get(s, s) in _PRIMARY_AIS for s in segments[1:-1])


def parse_digital_link(uri: str) -> DigitalLink:
    """Parse a GS1 Digital Link URI (any host, numeric or short-name AIs) and check its key.

    Raises ``IdentifierError`` when the URI is not a Digital Link, a check digit is wrong, or a qualifier
    is not from the GS1 character set.
    """
    match = _DL_RE.match(uri) if isinstance(uri, str) else None
    if not match:
        raise IdentifierError("not_digital_link", f"{uri!r} is not a GS1 Digital Link URI")
    segments = match.group(1).split("/")[1:]
    if segments and segments[-1] == "":
        segments.pop()
    start = next((i for i, s in enumerate(segments) if _DL_SHORT_NAMES.get(s, s) in _PRIMARY_AIS), None)
    if start is None or start + 1 >= len(segments):
        raise IdentifierError("not_digital_link", f"{uri!r} does not carry a GS1 primary key in its path")
    parts = segments[start:]
    if len(parts) % 2:
        raise IdentifierError("digital_link_path", f"{uri!r}: Digital Link path must be AI/value pairs")
    pairs = [(_DL_SHORT_NAMES.get(parts[i], parts[i]), unquote(parts[i + 1])) for i in range(0, len(parts), 2)]
    ai, key = pairs[0]
    if ai in _CHECKED_KEYS:
        length, name = _CHECKED_KEYS[ai]
        if ai == "01":
            key = validate_gtin(key)
        else:
            _check_numeric_key(key, name=name, lengths=(length,))
    elif ai in _PREFIX_CHECKED_KEYS:
        length, name = _PREFIX_CHECKED_KEYS[ai]
        _check_numeric_key(key[:length], name=name, lengths=(length,))
    qualifiers = []
    for q_ai, q_value in pairs[1:]:
        if q_ai in ("10", "21", "22", "254", "235"):
            what = {"10": "lot", "21": "serial", "22": "cpv", "254": "gln_extension", "235": "tpx"}[q_ai]
            if q_ai == "235":
                if not isinstance(q_value, str) or not 1 <= len(q_value) <= 28:
                    raise IdentifierError("tpx_characters", f"{uri!r}: third-party serial must have 1–28 characters")
            else:
                _check_cset82(q_value, what=what)
        elif not q_ai.isdigit():
            raise IdentifierError("digital_link_path", f"{uri!r}: {q_ai!r} is not a GS1 Application Identifier")
        qualifiers.append((q_ai, q_value))
    return DigitalLink(ai=ai, key=key, qualifiers=tuple(qualifiers))


def parse_lgtin(uri: str) -> tuple[str, str]:
    """``(gtin14, lot)`` from an LGTIN Digital Link (or ``urn:epc:class:lgtin:`` URN)."""
    link = parse_digital_link(to_digital_link(uri))
    if link.ai != "01" or link.lot is None or link.serial is not None:
        raise IdentifierError("not_lgtin", f"{uri!r} is not an LGTIN (GTIN + lot, no serial)")
    return link.key, link.lot


def parse_sgln(uri: str) -> tuple[str, str | None]:
    """``(gln13, extension or None)`` from an SGLN Digital Link (or ``urn:epc:id:sgln:`` URN)."""
    link = parse_digital_link(to_digital_link(uri))
    if link.ai != "414":
        raise IdentifierError("not_sgln", f"{uri!r} is not a GS1 location (AI 414)")
    return link.key, link.qualifier("254")


# ---------------------------------------------------------------------------------------------------------
# EPC URNs (Tag Data Standard) -> Digital Link

#: One character of a GS1 AI "GS3A3" component in an EPC URN (TDS 2.x): safe characters or %-escapes.
_URN_CHAR = (
    r"(?:%2[125-9A-Fa-f]|%3[0-9A-Fa-f]|%4[1-9A-Fa-f]|%5[0-9AaFf]|%6[1-9A-Fa-f]|%7[0-9Aa]|[!')(*+,.0-9:;=A-Za-z_-])"
)
_CPREF_CHAR = r"(?:%2[3dfDF]|%3[0-9]|%4[1-9A-Fa-f]|%5[0-9Aa]|[0-9A-Z-])"
_URN_CHAR_RE = re.compile(_URN_CHAR)
_CPREF_CHAR_RE = re.compile(_CPREF_CHAR)

_URN_PATTERNS: dict[str, re.Pattern[str]] = {
    "id:sgtin": re.compile(rf"^(\d{{6,12}})\.(\d{{1,7}})\.({_URN_CHAR}{{1,20}})$"),
    "id:sscc": re.compile(r"^(\d{6,12})\.(\d{5,11})$"),
    "id:sgln": re.compile(rf"^(\d{{6,12}})\.(\d{{0,6}})\.({_URN_CHAR}{{1,20}})$"),
    "id:grai": re.compile(rf"^(\d{{6,12}})\.(\d{{0,6}})\.({_URN_CHAR}{{1,16}})$"),
    "id:giai": re.compile(rf"^(\d{{6,12}})\.({_URN_CHAR}{{1,24}})$"),
    "id:gsrn": re.compile(r"^(\d{6,12})\.(\d{5,11})$"),
    "id:gsrnp": re.compile(r"^(\d{6,12})\.(\d{5,11})$"),
    "id:gdti": re.compile(rf"^(\d{{6,12}})\.(\d{{0,6}})\.({_URN_CHAR}{{0,19}})$"),
    "id:sgcn": re.compile(r"^(\d{6,12})\.(\d{0,6})\.(\d{1,12})$"),
    "id:cpi": re.compile(rf"^(\d{{6,12}})\.({_CPREF_CHAR}{{1,24}})\.(\d{{1,12}})$"),
    "id:ginc": re.compile(rf"^(\d{{6,12}})\.({_URN_CHAR}{{1,24}})$"),
    "id:gsin": re.compile(r"^(\d{6,12})\.(\d{4,10})$"),
    "id:itip": re.compile(rf"^(\d{{6,12}})\.(\d{{1,7}})\.(\d{{2}})\.(\d{{2}})\.({_URN_CHAR}{{1,20}})$"),
    "id:upui": re.compile(rf"^(\d{{6,12}})\.(\d{{1,7}})\.({_URN_CHAR}{{1,28}})$"),
    "id:pgln": re.compile(r"^(\d{6,12})\.(\d{0,6})$"),
    "class:lgtin": re.compile(rf"^(\d{{6,12}})\.(\d{{1,7}})\.({_URN_CHAR}{{1,20}})$"),
    "idpat:sgtin": re.compile(r"^(\d{6,12})\.(\d{1,7})\.\*$"),
    "idpat:grai": re.compile(r"^(\d{6,12})\.(\d{0,6})\.\*$"),
    "idpat:gdti": re.compile(r"^(\d{6,12})\.(\d{0,6})\.\*$"),
    "idpat:sgcn": re.compile(r"^(\d{6,12})\.(\d{0,6})\.\*$"),
    "idpat:cpi": re.compile(rf"^(\d{{6,12}})\.({_CPREF_CHAR}{{1,24}})\.\*$"),
    "idpat:itip": re.compile(r"^(\d{6,12})\.(\d{1,7})\.(\d{2})\.(\d{2})\.\*$"),
    "idpat:upui": re.compile(r"^(\d{6,12})\.(\d{1,7})\.\*$"),
}
#: Total digits of company prefix + reference for each scheme.
_URN_TOTAL = {
    "sgtin": 13, "sscc": 17, "sgln": 12, "grai": 12, "gsrn": 17, "gsrnp": 17, "gdti": 12, "sgcn": 12,
    "gsin": 16, "itip": 13, "upui": 13, "pgln": 12, "lgtin": 13,
}  # fmt: skip
_URN_MAX = {"giai": 30, "ginc": 30, "cpi": 30}


def _urn_escape(value: str) -> str:
    """EPC URN component -> Digital Link segment: keep %-escapes, escape what a DL path must not carry raw."""
    return (
        value.replace("!", "%21")
        .replace("(", "%28")
        .replace(")", "%29")
        .replace("*", "%2A")
        .replace("+", "%2B")
        .replace(",", "%2C")
        .replace(":", "%3A")
    )


def _gtin_from(prefix: str, item_ref: str) -> str:
    body = item_ref[:1] + prefix + item_ref[1:]
    return body + gs1_check_digit(body)


def epc_urn_to_digital_link(urn: str) -> str | None:
    """Convert an EPC URI / EPC class URI / EPC pattern URI to its canonical Digital Link, or ``None``.

    ``None`` means "not a recognised EPC URN" (the caller keeps the value as it is).
    """
    if not urn.startswith("urn:epc:"):
        return None
    head, _, body = urn[8:].partition(":")
    scheme, _, rest = body.partition(":")
    kind = f"{head}:{scheme}"
    pattern = _URN_PATTERNS.get(kind)
    if pattern is None:
        return None
    m = pattern.match(rest)
    if not m:
        return None
    groups = m.groups()
    prefix = groups[0]
    if scheme in _URN_TOTAL and len(prefix) + len(groups[1]) != _URN_TOTAL[scheme]:
        return None
    if scheme in _URN_MAX:
        chars = len((_CPREF_CHAR_RE if scheme == "cpi" else _URN_CHAR_RE).findall(groups[1]))
        if len(prefix) + chars > _URN_MAX[scheme]:
            return None
    base = GS1_DL_BASE
    if kind == "id:sgtin":
        return f"{base}/01/{_gtin_from(prefix, groups[1])}/21/{_urn_escape(groups[2])}"
    if kind == "class:lgtin":
        return f"{base}/01/{_gtin_from(prefix, groups[1])}/10/{_urn_escape(groups[2])}"
    if kind == "id:sscc":
        raw = groups[1][:1] + prefix + groups[1][1:]
        return f"{base}/00/{raw}{gs1_check_digit(raw)}"
    if kind in ("id:sgln", "id:pgln"):
        raw = prefix + groups[1]
        ai = "414" if kind == "id:sgln" else "417"
        uri = f"{base}/{ai}/{raw}{gs1_check_digit(raw)}"
        if kind == "id:sgln" and groups[2] != "0":
            uri += f"/254/{_urn_escape(groups[2])}"
        return uri
    if kind == "id:grai":
        raw = "0" + prefix + groups[1]
        return f"{base}/8003/{raw}{gs1_check_digit(raw)}{_urn_escape(groups[2])}"
    if kind == "id:giai":
        return f"{base}/8004/{prefix}{_urn_escape(groups[1])}"
    if kind in ("id:gsrn", "id:gsrnp"):
        raw = prefix + groups[1]
        return f"{base}/{'8018' if scheme == 'gsrn' else '8017'}/{raw}{gs1_check_digit(raw)}"
    if kind == "id:gdti":
        raw = prefix + groups[1]
        return f"{base}/253/{raw}{gs1_check_digit(raw)}{_urn_escape(groups[2])}"
    if kind == "id:sgcn":
        raw = prefix + groups[1]
        return f"{base}/255/{raw}{gs1_check_digit(raw)}{groups[2]}"
    if kind == "id:cpi":
        return f"{base}/8010/{_urn_escape(prefix + groups[1])}/8011/{groups[2]}"
    if kind == "id:ginc":
        return f"{base}/401/{prefix}{_urn_escape(groups[1])}"
    if kind == "id:gsin":
        raw = prefix + groups[1]
        return f"{base}/402/{raw}{gs1_check_digit(raw)}"
    if kind == "id:itip":
        return f"{base}/8006/{_gtin_from(prefix, groups[1])}{groups[2]}{groups[3]}/21/{_urn_escape(groups[4])}"
    if kind == "id:upui":
        return f"{base}/01/{_gtin_from(prefix, groups[1])}/235/{_urn_escape(groups[2])}"
    if kind in ("idpat:sgtin", "idpat:upui"):
        return f"{base}/01/{_gtin_from(prefix, groups[1])}"
    if kind == "idpat:grai":
        raw = "0" + prefix + groups[1]
        return f"{base}/8003/{raw}{gs1_check_digit(raw)}"
    if kind in ("idpat:gdti", "idpat:sgcn"):
        raw = prefix + groups[1]
        return f"{base}/{'253' if scheme == 'gdti' else '255'}/{raw}{gs1_check_digit(raw)}"
    if kind == "idpat:cpi":
        return f"{base}/8010/{_urn_escape(prefix + groups[1])}"
    if kind == "idpat:itip":
        return f"{base}/8006/{_gtin_from(prefix, groups[1])}{groups[2]}{groups[3]}"
    return None  # pragma: no cover - every pattern above is handled


def to_digital_link(uri: str) -> str:
    """Normalise an identifier: EPC URN -> Digital Link, Digital Link -> canonical ``id.gs1.org`` form;
    anything else (NMPA codes, private URIs) is returned unchanged."""
    if uri.startswith("urn:epc:"):
        return epc_urn_to_digital_link(uri) or uri
    if uri.startswith(("http://", "https://")) and is_digital_link(uri):
        try:
            return parse_digital_link(uri).canonical
        except IdentifierError:
            return uri
    return uri


# ---------------------------------------------------------------------------------------------------------
# NMPA drug traceability code (药品追溯码)

NMPA_CODE_URI_PREFIX = f"{BIOSEG_NS}nmpa-drug-code/"


@dataclass(frozen=True, slots=True)
class NMPADrugCode:
    """A 20-digit NMPA drug traceability code (药品追溯码) as issued by the 码上放心 platform.

    NMPAB/T 1002-2019 (药品追溯码编码要求) only requires that a traceability code be a string of digits,
    letters and/or symbols made of a drug identification code (药品标识码) and a production identification
    code (生产标识码) that contains at least a unit serial number. The 20-digit numeric code in use in China
    (printed as Code 128, formerly the 中国药品电子监管码) is published as:

    ========  =================================================
    1–7       drug identification code (药品标识码), issued per product / package level
    8–16      unit serial number (单品序列号)
    17–20     verification digits (校验位)
    ========  =================================================

    The algorithm of the four verification digits is **not published** (it belongs to the issuing
    platform), so it is not checked here: ``validate_nmpa_code`` checks only what is certain — exactly 20
    ASCII digits — and exposes the three segments.
    """

    code: str

    @property
    def drug_identification_code(self) -> str:
        return self.code[:7]

    @property
    def serial(self) -> str:
        return self.code[7:16]

    @property
    def verification_digits(self) -> str:
        return self.code[16:]

    @property
    def uri(self) -> str:
        return NMPA_CODE_URI_PREFIX + self.code


def validate_nmpa_code(code: str) -> NMPADrugCode:
    """Check an NMPA 20-digit drug traceability code; raise ``IdentifierError`` with the exact reason."""
    if not isinstance(code, str):
        raise IdentifierError(
            "nmpa_code_type", f"NMPA drug traceability code must be a string, got {type(code).__name__}"
        )
    for position, char in enumerate(code, start=1):
        if not ("0" <= char <= "9"):
            raise IdentifierError(
                "nmpa_code_digits",
                f"NMPA drug traceability code {code!r} has {char!r} at position {position}; "
                "药品追溯码 must be 20 digits (0–9) only",
            )
    if len(code) != 20:
        raise IdentifierError(
            "nmpa_code_length",
            f"NMPA drug traceability code {code!r} has {len(code)} digits; 药品追溯码 must have exactly 20 "
            "(7-digit drug identification code + 9-digit serial + 4 verification digits)",
        )
    return NMPADrugCode(code)


def nmpa_code_uri(code: str) -> str:
    """The EPC (instance-level identifier) URI of an NMPA code in bioseg's extension namespace."""
    return validate_nmpa_code(code).uri


def parse_nmpa_code_uri(uri: str) -> NMPADrugCode:
    if not uri.startswith(NMPA_CODE_URI_PREFIX):
        raise IdentifierError("not_nmpa_code_uri", f"{uri!r} is not an NMPA drug code URI ({NMPA_CODE_URI_PREFIX}…)")
    return validate_nmpa_code(uri[len(NMPA_CODE_URI_PREFIX) :])
