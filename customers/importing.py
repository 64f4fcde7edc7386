"""Importing customers and purchases from a point-of-sale CSV export.

Reading is forgiving (encodings, delimiters, date and amount formats seen in the wild);
writing is strict: a row is imported whole (customer and purchase) or refused with a
reason, and duplicates by e-mail or order reference are merged, not doubled.
"""

from __future__ import annotations

import codecs
import csv
import io
import re
import unicodedata
import zoneinfo
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy

from cxplatform.validators import validate_stored_email

MAX_UPLOAD_BYTES = 20 * 1024 * 1024
CHUNK_ROWS = 2_000
MAX_REFUSALS_KEPT = 1_000
FIELDS = {
    "name": _lazy("Customer name"),
    "email": _lazy("E-mail"),
    "phone": _lazy("Phone"),
    "consent": _lazy("Agreed to be contacted"),
    "tags": _lazy("Tags"),
    "purchased_at": _lazy("Purchase date"),
    "amount": _lazy("Amount"),
    "currency": _lazy("Currency"),
    "order_reference": _lazy("Order reference"),
    "location": _lazy("Location name"),
}
# Header words that give away a column's meaning, for the first guess of the mapping;
# English and Spanish as tills export them, written without accents (headers are
# compared without accents and case: "Teléfono" is "telefono").
HINTS = {
    "name": ["name", "full name", "customer", "client", "nombre", "cliente"],
    "email": ["email", "e-mail", "mail", "correo", "correo electronico"],
    "phone": ["phone", "mobile", "cell", "tel", "telephone", "telefono", "movil", "celular"],
    "consent": ["consent", "opt in", "optin", "marketing", "newsletter", "consentimiento"],
    "tags": ["tags", "tag", "labels", "segment", "group", "etiquetas", "etiqueta", "grupo"],
    "purchased_at": ["date", "purchase date", "order date", "created", "time", "fecha"],
    "amount": ["amount", "total", "price", "value", "sum", "importe", "precio"],
    "currency": ["currency", "curr", "moneda", "divisa"],
    "order_reference": [
        "order",
        "order id",
        "order number",
        "receipt",
        "reference",
        "ref",
        "ticket",
        "invoice",
        "transaction id",
        "pedido",
        "referencia",
        "factura",
    ],
    "location": [
        "location",
        "store",
        "shop",
        "branch",
        "outlet",
        "site",
        "tienda",
        "sucursal",
        "local",
        "establecimiento",
    ],
}
# Hints that only say whose or which a column is ("Customer ID", "Nº pedido"): a header
# that also names another field ("Customer email", "Total pedido") is that field's.
QUALIFIERS = {"customer", "client", "cliente", "order", "pedido"}
# Hints that name their field only as the whole header: "Local Time", "Local Tax" and
# "Site Visits" are no location (a wrong guess would refuse every row as unknown).
WHOLE_ONLY = {"local", "site"}
CURRENCY_SIGNS = {"€": "EUR", "£": "GBP", "$": "USD"}
TRUE_WORDS = {"1", "y", "yes", "true", "si", "sí", "x", "opt-in", "opted in"}
DAY_FIRST = ["%d/%m/%Y", "%d/%m/%y", "%d-%m-%Y", "%d.%m.%Y"]
MONTH_FIRST = ["%m/%d/%Y", "%m/%d/%y", "%m-%d-%Y"]
ANY_ORDER = ["%Y-%m-%d", "%Y/%m/%d", "%d %b %Y", "%d %B %Y", "%b %d %Y", "%B %d %Y"]
TIME_SUFFIXES = ["", " %H:%M", " %H:%M:%S", "T%H:%M", "T%H:%M:%S"]


class ImportRefused(ValueError):
    """The whole file cannot be imported; the message says why in plain words."""


@dataclass
class Decoded:
    text: str
    encoding: str
    delimiter: str
    headers: list[str]


# What tills and spreadsheets export. "" reads UTF-8 (with or without a BOM), UTF-16
# with a BOM (Excel's "Unicode text"), and otherwise Windows-1252, the usual
# default on European tills; an owner who sees wrong letters in the preview picks one.
ENCODINGS = {
    "": _lazy("Detect (UTF-8, else Windows-1252)"),
    "utf-8": "UTF-8",
    "utf-16": "UTF-16",
    "cp1252": _lazy("Windows-1252 (Western Europe)"),
    "iso-8859-1": "ISO-8859-1 (Latin-1)",
    "iso-8859-15": "ISO-8859-15 (Latin-9)",
    "mac_roman": "Mac Roman",
}
PREVIEW_ROWS = 3


def decode(content: bytes, encoding: str = "") -> Decoded:
    if encoding not in ENCODINGS:
        raise ImportRefused(_("Unknown text encoding “%(name)s”.") % {"name": encoding})
    if not content.strip():
        raise ImportRefused(_("The file is empty."))
    encoding = encoding or detect_encoding(content)
    if not encoding.startswith("utf-16") and b"\x00" in content[:65536]:
        raise ImportRefused(_("This is not a CSV file (it looks like a binary file)."))
    try:
        text = content.decode("utf-8-sig" if encoding == "utf-8" else encoding)
    except UnicodeDecodeError as error:
        raise ImportRefused(
            _(
                "The file is not %(encoding)s text (byte %(position)s cannot be read). "
                "Choose the encoding your till exports."
            )
            % {"encoding": ENCODINGS.get(encoding, encoding), "position": error.start + 1}
        ) from None
    text = text.removeprefix("\ufeff")
    delimiter = sniff_delimiter(text[:8192])
    headers = next(csv.reader(io.StringIO(text), delimiter=delimiter), [])
    headers = [h.strip() for h in headers]
    if len([h for h in headers if h]) < 1 or len(headers) != len(set(headers)):
        raise ImportRefused(_("The first line must name each column once."))
    return Decoded(text, encoding, delimiter, headers)


def detect_encoding(content: bytes) -> str:
    if content.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16"
    try:
        content.decode("utf-8")
    except UnicodeDecodeError:
        return "cp1252"
    return "utf-8"


def preview(decoded: Decoded, count: int = PREVIEW_ROWS) -> list[list[str]]:
    """The first data rows as read, so an owner can see the letters came out right."""
    reader = csv.reader(io.StringIO(decoded.text), delimiter=decoded.delimiter)
    next(reader, None)
    return [row for _, row in zip(range(count), reader, strict=False)]


def sniff_delimiter(sample: str) -> str:
    try:
        return csv.Sniffer().sniff(sample, delimiters=",;\t|").delimiter
    except csv.Error:
        return ","


def guess_mapping(headers: list[str]) -> dict[str, str]:
    """Our field -> the header that most likely holds it (owners confirm or change it).

    A header that is a hint wins over one starting or ending with a hint, which wins over
    one that does so with a qualifier only; then the order of fields and hints decides.
    """
    candidates = []
    header_words = [words_of(header) for header in headers]
    for field_rank, (field_name, hints) in enumerate(HINTS.items()):
        for hint_rank, hint in enumerate(words_of(hint) for hint in hints):
            for header_rank, (header, words) in enumerate(zip(headers, header_words, strict=True)):
                strength = match_strength(words, hint)
                if strength:
                    rank = (-strength, field_rank, hint_rank, header_rank)
                    candidates.append((rank, field_name, header))
    mapping: dict[str, str] = {}
    for _rank, field_name, header in sorted(candidates):
        if field_name not in mapping and header not in mapping.values():
            mapping[field_name] = header
    return {name: mapping[name] for name in HINTS if name in mapping}


def match_strength(words: str, hint: str) -> int:
    """3 when the header is the hint, 2 when it starts or ends with it (1 for a qualifier)."""
    if words == hint:
        return 3
    if hint in WHOLE_ONLY:
        return 0
    if words.startswith(hint + " ") or words.endswith(" " + hint):
        return 1 if hint in QUALIFIERS else 2
    return 0


def words_of(text: str) -> str:
    """Lower case without accents, one space between words: "Nº_Teléfono" -> "no telefono"."""
    plain = "".join(
        char for char in unicodedata.normalize("NFKD", text) if not unicodedata.combining(char)
    )
    return " ".join(re.sub(r"[_\-.]+", " ", plain.strip().lower()).split())


def check_mapping(mapping: dict[str, str], headers: list[str]) -> dict[str, str]:
    """Errors by field name; empty when the mapping can be imported."""
    errors = {}
    for field_name, header in mapping.items():
        if field_name not in FIELDS:
            errors[field_name] = _("Unknown field.")
        elif header and header not in headers:
            errors[field_name] = _("The file has no column %(column)s.") % {"column": header}
    if not (mapping.get("email") or mapping.get("name")):
        errors["email"] = _("Choose the column with the customer's e-mail or name.")
    buying = [f for f in ("purchased_at", "amount") if mapping.get(f)]
    if len(buying) == 1:
        missing = "amount" if buying == ["purchased_at"] else "purchased_at"
        errors[missing] = _("A purchase needs both its date and its amount.")
    return errors


def rows(decoded: Decoded) -> Iterator[tuple[int, dict[str, str]]]:
    """(line number, row) for each data line; line 1 is the header."""
    reader = csv.DictReader(io.StringIO(decoded.text), delimiter=decoded.delimiter)
    for number, row in enumerate(reader, start=2):
        yield number, {k.strip(): (v or "").strip() for k, v in row.items() if k is not None}


@dataclass
class CleanRow:
    line: int
    name: str = ""
    email: str = ""
    phone: str = ""
    consent: bool | None = None
    tags: list[str] = field(default_factory=list)
    purchased_at: datetime | None = None
    amount: Decimal | None = None
    currency: str = ""
    order_reference: str = ""
    location: str = ""


def clean_row(
    line: int, row: dict[str, str], mapping: dict[str, str], *, day_first: bool, time_zone: str,
    default_currency: str,
) -> CleanRow:  # fmt: skip
    """One row made ready to store, or ValueError with the reason in plain words."""
    value = {name: row.get(header, "") for name, header in mapping.items() if header}
    clean = CleanRow(line=line, name=value.get("name", "")[:200], phone=value.get("phone", "")[:40])
    clean.email = value.get("email", "").lower()
    if clean.email:
        try:
            validate_stored_email(clean.email)
        except ValidationError as error:
            if error.code == "max_length":  # an address, but longer than we can keep
                raise ValueError(error.messages[0]) from None
            raise ValueError(
                _("“%(email)s” is not an e-mail address.") % {"email": clean.email}
            ) from None
    if not (clean.email or clean.name):
        raise ValueError(_("No e-mail and no name."))
    if "consent" in value:
        clean.consent = value["consent"].strip().lower() in TRUE_WORDS
    clean.tags = [t.strip() for t in re.split(r"[;,|]", value.get("tags", "")) if t.strip()]
    if value.get("purchased_at") or value.get("amount"):
        clean.purchased_at = parse_date(value.get("purchased_at", ""), day_first, time_zone)
        clean.amount, sign_currency = parse_amount(value.get("amount", ""))
        clean.currency = parse_currency(
            value.get("currency", "") or sign_currency or default_currency
        )
        clean.order_reference = value.get("order_reference", "")[:100]
        clean.location = value.get("location", "")
    return clean


def parse_date(raw: str, day_first: bool, time_zone: str) -> datetime:
    text = re.sub(r"\s+", " ", raw.strip().replace(",", ""))
    if not text:
        raise ValueError(_("No purchase date."))
    zone = zoneinfo.ZoneInfo(time_zone)
    try:  # ISO 8601, what most systems export: fast, and tried first
        moment = datetime.fromisoformat(text)
        return moment if moment.tzinfo else moment.replace(tzinfo=zone)
    except ValueError:
        pass
    formats = (DAY_FIRST if day_first else MONTH_FIRST) + ANY_ORDER
    for date_format in formats:
        for suffix in TIME_SUFFIXES:
            try:
                moment = datetime.strptime(text, date_format + suffix)
            except ValueError:
                continue
            return moment.replace(tzinfo=zone)
    raise ValueError(_("“%(date)s” is not a date we can read.") % {"date": raw})


def parse_amount(raw: str) -> tuple[Decimal, str]:
    """An amount as shops write it: 12.50, 12,50, 1.234,50, €12.50, 12.50 EUR."""
    text = raw.strip()
    currency = ""
    for sign, code in CURRENCY_SIGNS.items():
        if sign in text:
            currency, text = code, text.replace(sign, "")
    code = re.search(r"\b([A-Za-z]{3})\b", text)
    if code:
        currency, text = code.group(1).upper(), text.replace(code.group(0), "")
    text = text.replace(" ", "").replace("\u00a0", "").replace("'", "")
    malformed = re.search(r"[.,]{2}|[.,]$|^-?[.,]", text)
    if not re.fullmatch(r"-?[\d.,]+", text or "x") or malformed:
        raise ValueError(_("“%(amount)s” is not an amount.") % {"amount": raw})
    text = normalise_separators(text)
    try:
        amount = Decimal(text)
    except InvalidOperation:
        raise ValueError(_("“%(amount)s” is not an amount.") % {"amount": raw}) from None
    if amount < 0:
        raise ValueError(_("The amount %(amount)s is negative.") % {"amount": raw})
    if amount >= Decimal("10000000000"):
        raise ValueError(_("The amount %(amount)s is too large.") % {"amount": raw})
    return amount.quantize(Decimal("0.01")), currency


def normalise_separators(text: str) -> str:
    """The last of "." and "," is the decimal mark when followed by 1-2 digits."""
    last = max(text.rfind("."), text.rfind(","))
    if last != -1 and len(text) - last - 1 in (1, 2):
        whole, decimals = text[:last], text[last + 1 :]
        return whole.replace(".", "").replace(",", "") + "." + decimals
    return text.replace(".", "").replace(",", "")


def parse_currency(raw: str) -> str:
    code = raw.strip().upper()
    code = CURRENCY_SIGNS.get(code, code)
    if not re.fullmatch(r"[A-Z]{3}", code):
        raise ValueError(_("“%(currency)s” is not a currency code like EUR.") % {"currency": raw})
    return code
