"""Language detection on short real strings nobody on the team wrote: Debian's translations.

The strings are the msgstr of the gettext catalogues installed on this machine
(/usr/share/locale/{nl,fr}/LC_MESSAGES/*.mo), and the English msgid of the same catalogues: 3 to 15 words,
format markers and accelerators removed, untranslated copies dropped, deduplicated. Catalogues of names
(iso_*: countries, languages, currencies) are left out: they are not sentences.

The strings are split by source package, with a fixed hash of the package name, into a tuning part and a
held-out part; the detector was only ever tuned on the tuning part (the held-out figures are the result).
A duplicate string is kept in the tuning part only.

Printed: the packages used and the counts; accuracy per language for the previous detector (langdetect
and marker words), lingua alone (limited to nl/fr/en) and the final detector (dialogue.language);
the conversation rule on the held-out part (does a conversation in another language switch, does one in
the same language stay); p95 ms per message; and the RSS each detector adds to a fresh process. "light" is
the final detector without lingua, as the API uses it for its own estimate when Rasa cannot say.

    .venvs/app/bin/python bench/language_detection.py [--install]

With too few catalogues (a slim image may ship none) it says so and stops; `--install` first runs
`apt-get install` for a few Debian packages that ship nl/fr translations.
"""

import argparse
import hashlib
import random
import re
import struct
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

LOCALE_DIR = Path("/usr/share/locale")
LANGS = ("nl", "fr", "en")
MIN_WORDS, MAX_WORDS = 3, 15
PER_PACKAGE = 150  # at most this many strings per package and language, so that no catalogue dominates
MIN_STRINGS = 300  # per language and part, below which the figures would say little
INSTALL = ("coreutils", "tar", "grep", "sed", "findutils", "gawk", "diffutils", "wget", "psmisc", "procps")

PRINTF = re.compile(r"%(\d+\$)?[-+ #0']*(\*|\d+)?(\.(\*|\d+))?(hh|h|ll|l|L|q|j|z|t|I64)?[diouxXeEfFgGcrsSpnm%]")
MARKERS = [
    re.compile(r"%\([^)]*\)[a-z]"),  # %(name)s
    PRINTF,
    re.compile(r"\{[^{}]*\}"),  # {0}, {name}
    re.compile(r"\$\{?\w+\}?"),  # $VAR, ${var}
    re.compile(r"<[^<>]*>"),  # markup
    re.compile(r"&[a-z]+;"),  # entities
    re.compile(r"\b\w+://\S+"),  # URLs
]
ACCELERATOR = re.compile(r"(?<!\w)[_&~](?=\w)|(?<=\w)[_&](?=\w)")
TOKEN_OK = re.compile(r"^[(\"'«“‘]*[^\W\d_]+(?:['’-][^\W\d_]+)*[)\"'»”’.,;:!?…]*$")
WORD = re.compile(r"[^\W\d_]+")


def read_mo(path: Path) -> list[tuple[str, str]]:
    """(msgid, msgstr) pairs of a compiled gettext catalogue; the first form of plurals."""
    data = path.read_bytes()
    if len(data) < 20:
        return []
    order = {0x950412DE: "<", 0xDE120495: ">"}.get(struct.unpack("<I", data[:4])[0])
    if order is None:
        return []
    count, originals, translations = struct.unpack(order + "3I", data[8:20])
    pairs = []
    for i in range(count):
        o_len, o_off = struct.unpack(order + "2I", data[originals + 8 * i:originals + 8 * i + 8])
        t_len, t_off = struct.unpack(order + "2I", data[translations + 8 * i:translations + 8 * i + 8])
        msgid = data[o_off:o_off + o_len].decode("utf-8", "replace").split("\x00")[0].split("\x04")[-1]
        msgstr = data[t_off:t_off + t_len].decode("utf-8", "replace").split("\x00")[0]
        if msgid:
            pairs.append((msgid, msgstr))
    return pairs


def clean(text: str) -> str | None:
    """The string as a person could type it, or None when it is not 3-15 words of running text."""
    for marker in MARKERS:
        text = marker.sub(" ", text)
    text = ACCELERATOR.sub("", text).replace("\\n", " ")
    tokens = text.split()
    kept = [t for t in tokens if TOKEN_OK.match(t)]
    if not tokens or len(kept) < 0.8 * len(tokens):
        return None  # mostly code, options, paths or numbers
    words = WORD.findall(" ".join(kept))
    if not MIN_WORDS <= len(words) <= MAX_WORDS:
        return None
    return " ".join(kept)


def held_out(package: str) -> bool:
    """Fixed for a package on every machine (not a function of which other packages are installed)."""
    return hashlib.sha256(f"gbo-language-split:{package}".encode()).digest()[0] % 2 == 1


def catalogues(lang: str) -> dict[str, Path]:
    folder = LOCALE_DIR / lang / "LC_MESSAGES"
    found = sorted(folder.glob("*.mo")) if folder.is_dir() else []
    return {p.stem: p for p in found if not p.stem.startswith("iso_")}


def extract() -> dict[str, dict[str, list[tuple[str, str]]]]:
    """{part: {lang: [(package, text)]}} for part in tuning/held-out."""
    per_package: dict[str, dict[str, list[str]]] = {lang: {} for lang in LANGS}
    for lang in ("nl", "fr"):
        for package, path in catalogues(lang).items():
            pairs = read_mo(path)
            translated = [clean(s) for i, s in pairs if s.strip() and s.strip().casefold() != i.strip().casefold()]
            per_package[lang][package] = [s for s in translated if s]
            english = per_package["en"].setdefault(package, [])
            english.extend(s for s in (clean(i) for i, _ in pairs) if s)
    parts: dict[str, dict[str, list[tuple[str, str]]]] = {"tuning": {}, "held-out": {}}
    for lang in LANGS:
        seen: set[str] = set()
        # Tuning packages first: a string found in both parts stays in the tuning part only.
        for part in ("tuning", "held-out"):
            chosen = []
            for package in sorted(p for p in per_package[lang] if held_out(p) == (part == "held-out")):
                unique = []
                for text in per_package[lang][package]:
                    key = text.casefold()
                    if key not in seen:
                        seen.add(key)
                        unique.append(text)
                random.Random(f"{lang}:{package}").shuffle(unique)
                chosen.extend((package, text) for text in unique[:PER_PACKAGE])
            parts[part][lang] = chosen
    return parts


# --- the detectors ----------------------------------------------------------------------------------


def previous_detect(text: str) -> tuple[str | None, float, int]:
    """The detector before issue 11.8 (langdetect and marker words, no lingua), for comparison."""
    from dialogue import language
    words = [w.lower() for w in language.WORD_RE.findall(text or "")]
    if not words:
        return None, 0.0, 0
    markers = language._marker_words()
    hits = {lang: sum(w in markers[lang] for w in words) for lang in LANGS}
    probabilities = language._langdetect_probabilities(" ".join(words))
    total = sum(hits.values())
    weight = 0.7 if len(words) <= 6 else 0.5
    if total:
        scores = {lang: (1 - weight) * probabilities.get(lang, 0.0) + weight * hits[lang] / total for lang in LANGS}
    else:
        scores = {lang: probabilities.get(lang, 0.0) for lang in LANGS}
    best = max(scores, key=scores.get)
    return (best, scores[best], hits[best]) if scores[best] > 0 else (None, 0.0, 0)


def previous_switches_to(text: str, current: str) -> str:
    """The previous rule for leaving the conversation's language (confidence 0.85, marker words, 3 words)."""
    from dialogue import language
    lang, confidence, markers = previous_detect(text)
    clearly = (lang not in (None, current) and confidence >= 0.85 and markers >= 1
               and len(language.WORD_RE.findall(text)) >= 3)
    return lang if clearly else current


def lingua_alone():
    from dialogue import language
    detector = language._lingua()
    return lambda text: language.LINGUA_LANGUAGES.get(detector.detect_language_of(text))


def detectors() -> dict:
    from dialogue import language
    return {
        "previous (langdetect + marker words)": lambda text: previous_detect(text)[0],
        "lingua alone (nl/fr/en)": lingua_alone(),
        "final (dialogue.language)": lambda text: language.detect_language(text).lang,
        "final, light=True (the API's estimate)": lambda text: language.detect_language(text, light=True).lang,
    }


# --- measuring --------------------------------------------------------------------------------------


def rss_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def rss_child(name: str) -> None:
    """In a fresh process: RSS after the imports, then after the detector's first answers."""
    before = rss_mb()
    from dialogue import language  # noqa: F401 - what every user of the detector imports

    imported = rss_mb()
    started = time.perf_counter()
    detect = {"previous": lambda t: previous_detect(t)[0], "lingua": None, "final": None,
              "light": lambda t: language.detect_language(t, light=True).lang}[name]
    if name == "lingua":
        detect = lingua_alone()
    elif name == "final":
        detect = lambda t: language.detect_language(t).lang  # noqa: E731
    for text in ("ik zoek een huisarts", "je cherche un médecin", "I need a doctor"):
        detect(text)
    print(f"{before:.0f} {imported:.0f} {rss_mb():.0f} {1000 * (time.perf_counter() - started):.0f}")


def rss_added(name: str) -> tuple[float, float, float]:
    """(MB for the imports, MB the detector adds once used, ms to load it), measured in a child process."""
    out = subprocess.run([sys.executable, __file__, "--rss-child", name], capture_output=True, text=True,
                         check=True, cwd=ROOT).stdout.split()
    before, imported, used, load_ms = map(float, out)
    return imported - before, used - imported, load_ms


def accuracy(detect, items: list[tuple[str, str]], lang: str) -> float:
    return sum(detect(text) == lang for _, text in items) / len(items)


def p95_ms(detect, texts: list[str]) -> float:
    detect(texts[0])  # models loaded before timing
    timings = []
    for text in texts:
        started = time.perf_counter()
        detect(text)
        timings.append(1000 * (time.perf_counter() - started))
    timings.sort()
    return timings[int(0.95 * (len(timings) - 1))]


def conversation_rule(items_by_lang: dict[str, list[tuple[str, str]]]) -> None:
    """Switch: the conversation is in another language and the citizen writes this one (it should follow).
    False switch: the conversation is already in this language (it should stay)."""
    from dialogue.language import conversation_language

    print("  language | switches: previous / final | false switches: previous / final")
    for lang in LANGS:
        texts = [text for _, text in items_by_lang[lang]]
        other = "fr" if lang != "fr" else "nl"
        switched = [sum(rule(t, other) == lang for t in texts) / len(texts)
                    for rule in (previous_switches_to, lambda t, c: conversation_language(t, current=c))]
        stayed = [sum(rule(t, lang) != lang for t in texts) / len(texts)
                  for rule in (previous_switches_to, lambda t, c: conversation_language(t, current=c))]
        print(f"  {lang:8s} | {switched[0]:6.1%} / {switched[1]:6.1%}            |"
              f" {stayed[0]:6.2%} / {stayed[1]:6.2%}")


def install_packages() -> None:
    print("apt-get install", " ".join(INSTALL))
    subprocess.run(["apt-get", "install", "-y", "--no-install-recommends", *INSTALL], check=False)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--install", action="store_true", help="apt-get install packages with nl/fr translations")
    parser.add_argument("--rss-child", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.rss_child:
        rss_child(args.rss_child)
        return 0
    if args.install:
        install_packages()
    parts = extract()
    counts = {part: {lang: len(parts[part][lang]) for lang in LANGS} for part in parts}
    if min(counts["held-out"][lang] for lang in ("nl", "fr")) < MIN_STRINGS:
        print(f"cannot measure: fewer than {MIN_STRINGS} nl/fr strings per part in {LOCALE_DIR} ({counts});"
              f" run with --install (apt-get install {' '.join(INSTALL)}) on a system that keeps translations")
        return 0
    for part in ("tuning", "held-out"):
        for lang in LANGS:
            packages = Counter(package for package, _ in parts[part][lang])
            listed = ", ".join(f"{p} {n}" for p, n in sorted(packages.items()))
            print(f"{part} {lang}: {counts[part][lang]} strings from {len(packages)} packages: {listed}")
    print()
    found = detectors()
    for part in ("tuning", "held-out"):
        print(f"accuracy on the {part} part" + (" (never tuned on)" if part == "held-out" else " (tuned on)"))
        print(f"  {'detector':40s} " + " ".join(f"{lang:>6s}" for lang in LANGS) + "  nl+fr")
        for name, detect in found.items():
            scores = {lang: accuracy(detect, parts[part][lang], lang) for lang in LANGS}
            both = (scores["nl"] * counts[part]["nl"] + scores["fr"] * counts[part]["fr"]) / (
                counts[part]["nl"] + counts[part]["fr"])
            print(f"  {name:40s} " + " ".join(f"{scores[lang]:6.1%}" for lang in LANGS) + f" {both:6.1%}")
        print()
    print("conversation rule on the held-out part (stickiness)")
    conversation_rule(parts["held-out"])
    print()
    texts = [text for lang in LANGS for _, text in parts["held-out"][lang]]
    print("cost per message (held-out strings) and memory a fresh process adds")
    for (name, detect), child in zip(found.items(), ("previous", "lingua", "final", "light"), strict=True):
        imports, model, load_ms = rss_added(child)
        print(f"  {name:40s} p95 {p95_ms(detect, texts):5.2f} ms; RSS +{imports:.0f} MB imports,"
              f" +{model:.0f} MB once used (first answer after {load_ms:.0f} ms)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
