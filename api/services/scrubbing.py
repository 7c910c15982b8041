"""Remove Belgian personal data from a short free text before it is stored as a signal.

What goes, in this order (each replaced by a marker staff can read in Dutch and French):
- e-mail addresses                                        -> [email]
- IBAN account numbers (BE and other countries)           -> [iban]
- rijksregisternummers / numéros de registre national     -> [rrn]
  (11 digits YYMMDD-NNN-CC with or without separators; the check digits are verified, including the
  variant for people born in 2000 or later; the fully punctuated form 85.07.30-033.28 is removed even
  with a wrong check, because nothing else is written that way)
- phone numbers: Belgian national (02 123 45 67, 0470/12.34.56) and international (+32 ..., 0032 ...,
  +33 ...)                                               -> [phone]
- street addresses: a Dutch or French street word and a house number (Kerkstraat 12 bus 3,
  Leopold II-laan 5, rue de la Loi 16, 12 avenue Louise) -> [address]
- names after a cue ("ik ben", "mijn naam is", "je m'appelle", "je suis", Mme, M., meneer, mevrouw, ...)
  when they are capitalised                               -> [name]

Names written in lower case, or without a cue, are not detected: tests/signals/test_scrubbing.py
measures recall per kind on realistic sentences and prints it.
"""

import re

EMAIL = "[email]"
IBAN = "[iban]"
RRN = "[rrn]"
PHONE = "[phone]"
ADDRESS = "[address]"
NAME = "[name]"

_EMAIL = re.compile(r"(?<![\w.+-])[\w.+-]+(?:@|\s?\(at\)\s?|\s?\[at\]\s?)[\w-]+(?:\.[\w-]+)*\.[a-zA-Z]{2,}\b")

# Two letters, two check digits, then 11 to 30 letters/digits, optionally in groups of four.
_IBAN = re.compile(r"\b[A-Za-z]{2}\d{2}(?:[ ]?[A-Za-z0-9]{4}){2,7}(?:[ ]?[A-Za-z0-9]{1,4})?\b")

_RRN_FORMATTED = re.compile(r"(?<![\d.])\d{2}\.\d{2}\.\d{2}-\d{3}\.\d{2}(?![\d])")
_RRN_LOOSE = re.compile(r"(?<![\d.,/-])\d{2}[ .]?\d{2}[ .]?\d{2}[ .-]?\d{3}[ .-]?\d{2}(?![\d])")

_SEP = r"[ \t./-]?"
_PHONE = re.compile(
    r"(?<![\w+])"
    r"(?:(?:\+|00)\s?(?:32|33|31|49|352|44|212|216|213|90|40|48|34|39|351|\d{1,3})"  # country code
    r"\s?(?:\(0\)\s?)?"
    r"|\(?0)"  # or a national 0
    r"\d\)?(?:" + _SEP + r"\d){7,11}"
    r"(?![\w])"
)
_DATE_START = re.compile(r"^0\d[./-][01]\d[./-](?:19|20)?\d\d")

_NL_STREET_SUFFIX = (
    r"straat|str\.|laan|steenweg|stwg\.|plein|lei|dreef|kaai|weg|markt|hof|dijk|singel|plantsoen|vest|"
    r"square|berg"
)
_FR_STREET_WORD = (
    r"rue|avenue|av\.|chaussée|chée|chaussee|place|boulevard|bd|bld|square|quai|drève|dreve|impasse|"
    r"allée|allee|clos|chemin|rond-point|parvis|galerie|cité|cite|sentier|passage"
)
_HOUSE_NUMBER = r"\d{1,4}(?:\s?[a-zA-Z](?![a-zA-Z]))?(?:\s?(?:bus|boîte|boite|bte|b\.|/)\s?\d{1,4}[a-zA-Z]?)?"
_CAP_WORD = r"[A-ZÀ-ÖØ-Þ][\wÀ-ÿ'’.-]*"
_LINK = r"(?:de|la|le|les|du|des|d['’]|l['’]|van|der|den|het|ter|sint|st|saint|sainte|[IVX]+)"
# Dutch: one word ending in a street suffix (Kerkstraat, Sint-Jansplein), or words then "-laan"/" laan".
_NL_ADDRESS = re.compile(
    r"\b(?:(?:" + _CAP_WORD + r"|" + _LINK + r")[ -])*[\wÀ-ÿ'’-]+?(?i:" + _NL_STREET_SUFFIX + r")"
    r",?\s+" + _HOUSE_NUMBER + r"\b"
)
# French: a street word, its name (particles and capitalised words), then the number; or the number first.
# The name needs a capitalised word, so "une place de 3 mois" stays.
_FR_NAME = r"(?:\s+" + _LINK + r")*\s*" + _CAP_WORD + r"(?:\s+(?:" + _LINK + r"\s*)*" + _CAP_WORD + r")*"
_FR_ADDRESS = re.compile(
    r"(?:\b" + _HOUSE_NUMBER + r",?\s+)?\b(?i:" + _FR_STREET_WORD + r")" + _FR_NAME
    + r"(?:,?\s+" + _HOUSE_NUMBER + r"\b)?"
)

_TITLE_CUES = (
    r"(?i:Mme|Mmes|Madame|Mlle|Mademoiselle|M\.|Monsieur|Meneer|Mevrouw|Mevr\.?|Dhr\.?|Mr\.?|Mrs\.?|Ms\.?"
    r"|Dr\.?)"
)
_PHRASE_CUES = (
    r"(?i:ik\s+ben|ik\s+heet|mijn\s+naam\s+is|mijn\s+voornaam\s+is|je\s+suis|je\s+m['’]appelle|"
    r"mon\s+nom\s+est|mon\s+prénom\s+est|moi\s+c['’]est|my\s+name\s+is|i\s+am|i['’]m|"
    r"mijn\s+(?:zoon|dochter|man|vrouw|moeder|vader|buurman|buurvrouw|partner|broer|zus)|"
    r"(?:mon|ma)\s+(?:fils|fille|mari|femme|mère|père|voisin|voisine|frère|sœur|soeur|compagne|compagnon)|"
    r"groeten|met\s+vriendelijke\s+groeten|cordialement|salutations|bien\s+à\s+vous|signé|getekend)"
)
_PARTICLE = r"(?:van|von|de|der|den|du|da|di|del|della|la|le|el|al|ben|bin|ter|ten|vanden|vander|d['’])"
_NAME_WORD = r"[A-ZÀ-ÖØ-Þ][a-zà-öø-ÿ'’]+(?:-[A-ZÀ-ÖØ-Þ][a-zà-öø-ÿ'’]+)*"
_NAME = _NAME_WORD + r"(?:\s+(?:" + _PARTICLE + r"\s+)*" + _NAME_WORD + r"){0,3}"
_NAME_AFTER_TITLE = re.compile(
    r"\b" + _TITLE_CUES + r"\s*(?:" + _PARTICLE + r"\s+)*(?P<name>" + _NAME + r")"
)
_NAME_AFTER_PHRASE = re.compile(
    r"\b" + _PHRASE_CUES + r",?\s+(?P<name>(?:" + _PARTICLE + r"\s+)*" + _NAME + r")"
)
# Capitalised words that follow a cue but are no names ("ik ben Belg", "je suis Française", "c'est Urgent").
_NOT_NAMES = {
    "belg", "belge", "marokkaans", "marocain", "marocaine", "frans", "française", "français", "nederlands",
    "brusselaar", "bruxellois", "bruxelloise", "zwanger", "enceinte", "ok", "oké", "niet", "pas", "urgent",
    "dringend", "moi", "ik", "je", "het", "de", "een", "un", "une", "le", "la", "les", "hier", "ici",
}


def _rrn_valid(digits: str) -> bool:
    if len(digits) != 11:
        return False
    base, check = int(digits[:9]), int(digits[9:])
    return 97 - base % 97 == check or 97 - (2_000_000_000 + base) % 97 == check


def _iban_valid(text: str) -> bool:
    compact = text.replace(" ", "").upper()
    if not 15 <= len(compact) <= 34:
        return False
    moved = compact[4:] + compact[:4]
    try:
        number = int("".join(str(int(ch, 36)) for ch in moved))
    except ValueError:
        return False
    return number % 97 == 1


def _replace_iban(match: re.Match) -> str:
    text = match.group(0)
    # The match may have swallowed a following word ("... 7034 mijn"): try without the last group too.
    groups = text.split(" ")
    for cut in range(len(groups), max(len(groups) - 2, 0), -1):
        candidate = " ".join(groups[:cut])
        compact = candidate.replace(" ", "").upper()
        # A valid check, or anything shaped like a Belgian IBAN (BE + 14 digits) even with a typo.
        if _iban_valid(candidate) or re.fullmatch(r"BE\d{14}", compact):
            rest = text[len(candidate):]
            return IBAN + rest
    return text


def _replace_rrn(match: re.Match) -> str:
    digits = re.sub(r"\D", "", match.group(0))
    return RRN if _rrn_valid(digits) else match.group(0)


def _replace_phone(match: re.Match) -> str:
    text = match.group(0)
    digits = re.sub(r"\D", "", text)
    if _DATE_START.match(text):
        return text
    international = text.startswith(("+", "00"))
    if international:
        return PHONE if 9 <= len(digits) <= 15 else text
    return PHONE if len(digits) in (9, 10) else text


def _replace_name(match: re.Match) -> str:
    words = match.group("name").split()
    if len(words) == 1 and words[0].lower() in _NOT_NAMES:
        return match.group(0)
    start = match.start("name") - match.start(0)
    return match.group(0)[:start] + NAME


def scrub(text: str) -> str:
    """The text with e-mail addresses, IBANs, national register numbers, phone numbers, street addresses
    and detectable names replaced by markers ([email], [iban], [rrn], [phone], [address], [name])."""
    if not text:
        return text
    out = _EMAIL.sub(EMAIL, text)
    out = _IBAN.sub(_replace_iban, out)
    out = _RRN_FORMATTED.sub(RRN, out)
    out = _RRN_LOOSE.sub(_replace_rrn, out)
    out = _PHONE.sub(_replace_phone, out)
    out = _NL_ADDRESS.sub(ADDRESS, out)
    out = _FR_ADDRESS.sub(_replace_fr_address, out)
    out = _NAME_AFTER_TITLE.sub(_replace_name, out)
    out = _NAME_AFTER_PHRASE.sub(_replace_name, out)
    return out


def _replace_fr_address(match: re.Match) -> str:
    # Only with a house number (before or after): "la place est libre" or "rue Haute" alone stay.
    return ADDRESS if re.search(r"\d", match.group(0)) else match.group(0)
