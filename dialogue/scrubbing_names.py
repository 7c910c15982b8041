"""Presidio recognizers for street addresses and names in Dutch, French (and English) free text.

Linear time: RE2 patterns with bounded repetitions only (see scrubbing_recognizers), checks in Python per
match. Names are found after a cue (heet, mijn naam is, s'appelle, Mme, M., dokter, docteur, Dr, meneer,
mevrouw, a relative, a greeting that closes a message) and, without a cue, when a capitalised word is one of
the common first names below; French texts also get the names that fr_core_news_md's NER finds (filtered
by `plausible_person`, see scrubbing.py).
"""

from presidio_analyzer import RecognizerResult

from dialogue.scrubbing_recognizers import Re2Recognizer, check_deadline, compile_re2

# Latin-1 and Latin Extended-A (Yılmaz, Łukasz, Şahin); Extended-A mixes cases, so it is in both classes.
_UP = "A-ZÀ-ÖØ-ÞĀ-ž"
_LOW = "a-zà-öø-ÿĀ-ž"
_WORD = r"[A-Za-zÀ-ÖØ-öø-ÿĀ-ž'’\-]"
_CAP_WORD = r"[" + _UP + r"]" + _WORD + r"{0,40}\.?"
_ROMAN = r"(?:I|II|III|IV|V|VI|X)\b"

# ----------------------------------------------------------------------------------------- addresses
_NL_SUFFIX = (
    r"straat|str\.|laan|steenweg|stwg\.?|plein|lei|dreef|kaai|kade|weg|markt|hof|dijk|singel|plantsoen|vest|"
    r"berg|baan|pad|park|galerij|gang|dam|veld|hoek|straatje|square"
)
_STREET_WORD = (
    r"rue|avenue|av\.|ave\.|chaussée|chaussee|chée|place|pl\.|boulevard|bd\.?|bld\.?|square|quai|drève|dreve|"
    r"impasse|allée|allee|clos|chemin|rond-point|parvis|galerie|cité|cite|sentier|passage|"
    r"steenweg|straat|laan|plein|kaai|dreef|lei|street|road"
)
_LINK = r"(?:de|du|des|la|le|les|aux|au|l'|d'|l’|d’|van|der|den|het|ter|sint|op|naar|saint|sainte|st\.?|of|the)"
_HOUSE_NUMBER = (
    r"(?:(?i:nr\.?|n°|no\.?|nummer|numéro)[ ]{0,2})?\d{1,4}(?:[ ]?[A-Za-z]\b)?"
    r"(?:[ ]{0,2},?[ ]{0,2}(?i:bus|bte\.?|boîte|boite|b\.|/)[ ]{0,2}\d{1,4}[A-Za-z]?)?"
)
_NUMBER_SEP = r"[ ]{0,2},?[ ]{0,2}"
# Dutch: a word ending in a street suffix (Kerkstraat, Sint-Guido-Instituutstraat, II-laan), up to three
# capitalised words or links before it, then the house number.
_NL_STREET = (
    r"(?:(?:" + _CAP_WORD + r"|" + _ROMAN + r"|(?i:" + _LINK + r"))[ ]){0,3}"
    + _WORD + r"{2,40}(?i:" + _NL_SUFFIX + r")"
)
_NL_AFTER = compile_re2(r"\b" + _NL_STREET + _NUMBER_SEP + _HOUSE_NUMBER)
_NL_BEFORE = compile_re2(r"\b\d{1,4}[A-Za-z]?,?[ ]{1,2}" + _NL_STREET)
# A suffix standing alone after capitalised words: Grote Markt 1, Oude Graanmarkt 5.
_NL_LOOSE = compile_re2(r"\b(?:" + _CAP_WORD + r"[ ]){1,3}(?i:" + _NL_SUFFIX + r")" + _NUMBER_SEP + _HOUSE_NUMBER)
# A street word first, then links and capitalised words: rue de la Loi 16, Steenweg op Gent 250,
# chaussée d'Ixelles 227, avenue de la Couronne n°345; or the number first: 3, rue de la Victoire.
_NAME_PART = (
    r"(?:[ ]{1,2}(?i:" + _LINK + r")){0,3}[ ]{0,2}" + _CAP_WORD
    + r"(?:[ ]{1,2}(?:(?i:" + _LINK + r")[ ]{1,2}){0,2}(?:" + _CAP_WORD + r"|" + _ROMAN + r")){0,3}"
)
_STREET_FIRST = compile_re2(r"\b(?i:" + _STREET_WORD + r")" + _NAME_PART + _NUMBER_SEP + _HOUSE_NUMBER)
_NUMBER_FIRST = compile_re2(r"\b\d{1,4}[A-Za-z]?,?[ ]{1,2}(?i:" + _STREET_WORD + r")" + _NAME_PART)
# "nr 12 in de Kerkstraat", "au numéro 5 de la rue Haute".
_NUMBER_WORD_FIRST = compile_re2(
    r"\b(?i:nr\.?|n°|nummer|huisnummer|numéro|number)[ ]{0,2}\d{1,4}[A-Za-z]?[ ]{1,2}"
    r"(?:(?i:in|op|aan|van|de|het|la|du|des|dans|of|the)[ ]{1,2}){0,3}"
    r"(?:" + _NL_STREET + r"|(?i:" + _STREET_WORD + r")" + _NAME_PART + r")"
)


class AddressRecognizer(Re2Recognizer):
    """A street and a house number, in either order (a street name alone is no personal data)."""

    ENTITY = "STREET_ADDRESS"

    def patterns(self) -> list:
        return [_NL_AFTER, _NL_BEFORE, _NL_LOOSE, _STREET_FIRST, _NUMBER_FIRST, _NUMBER_WORD_FIRST]

    def accept(self, match, text: str, pattern=None) -> tuple[int, int, str] | None:
        start, end = match.start(), match.end()
        candidate = text[start:end]
        if pattern is _NL_AFTER:
            # Links and words before the street belong to the sentence ("in de Kerkstraat 12"): harmless
            # to replace, but a leading lower-case word is trimmed to keep the sentence readable.
            first = candidate.split(" ", 1)[0]
            if first.islower() and " " in candidate and first not in ("sint", "op"):
                start += len(first) + 1
        return start, end, self.ENTITY


# ----------------------------------------------------------------------------------------- names
_NAME_WORD = (
    r"(?:[" + _UP + r"][" + _LOW + r"'’]{1,30}(?:-[" + _UP + r"][" + _LOW + r"'’]{1,30}){0,2}|[" + _UP
    + r"]{2,30}\b)"
)
_PARTICLE = r"(?:van|von|de|der|den|du|da|di|del|della|la|le|el|al|ben|bin|ter|ten|vanden|vander|mc|d'|d’)"
_NAME = (
    r"(?:(?i:" + _PARTICLE + r")[ ]{1,2}){0,3}" + _NAME_WORD
    + r"(?:[ ]{1,2}(?:(?i:" + _PARTICLE + r")[ ]{1,2}){0,3}" + _NAME_WORD + r"){0,2}"
)
# Cues after which a name may even be written in lower case ("ik heet youssef").
_STRONG_CUES = (
    r"ik heet|heet|heten|mijn naam is|mijn voornaam is|mijn achternaam is|my name is|je m'appelle|"
    r"je m’appelle|s'appelle|s’appelle|m'appelle|m’appelle|mon nom est|mon prénom est|mon nom c'est|"
    r"naam ?:|nom ?:|name ?:"
)
_TITLES = (
    r"mme\.?|mmes\.?|madame|mlle\.?|mademoiselle|monsieur|meneer|mevrouw|mevr\.?|dhr\.?|mr\.?|mrs\.?|ms\.?|dr\.?|"
    r"dokter|docteur|doctor|prof\.?|professeur|juffrouw|juf|meester"
)
_RELATIVES = (
    r"mijn (?:zoon|dochter|man|vrouw|moeder|vader|mama|papa|buurman|buurvrouw|partner|broer|zus|zoontje|"
    r"dochtertje|oma|opa|kleinzoon|kleindochter|vriend|vriendin|nicht|neef|tante|nonkel|oom)|"
    r"(?:mon|ma) (?:fils|fille|mari|femme|mère|père|voisin|voisine|frère|sœur|soeur|compagne|compagnon|ami|"
    r"amie|grand-mère|grand-père|petit-fils|petite-fille|nièce|neveu|tante|oncle|cousin|cousine)|"
    r"my (?:son|daughter|husband|wife|mother|father|neighbour|neighbor|brother|sister|friend)"
)
_WEAK_CUES = r"ik ben|je suis|i am|i'm|moi c'est|c'est moi,"
_CLOSINGS = (
    r"met vriendelijke groeten|vriendelijke groeten|vriendelijke groet|groeten|groetjes|mvg|m\.v\.g\.|"
    r"bien cordialement|cordialement|salutations|bien à vous|regards|kind regards|best regards|signé|getekend"
)
_AFTER_CUE = r"[ ]{0,2}[,:]?\s{0,3}"
_STRONG = compile_re2(
    r"\b(?i:" + _STRONG_CUES + r")" + _AFTER_CUE + r"(?P<name>" + _NAME + r"|[" + _LOW + r"]{2,30}"
    r"(?:[ ]{1,2}(?:(?i:" + _PARTICLE + r")[ ]{1,2}){0,2}[" + _LOW + r"]{2,30})?\b)"
)
_CUED = compile_re2(
    r"(?:\b(?i:" + _TITLES + r"|" + _RELATIVES + r"|" + _WEAK_CUES + r"|" + _CLOSINGS + r")|\bM\.|\bMM\.)"
    + _AFTER_CUE + r"(?P<name>" + _NAME + r")"
)
_CAPITALISED = compile_re2(
    r"\b(?P<name>[" + _UP + r"][" + _LOW + r"]{1,30}(?:-[" + _UP + r"][" + _LOW + r"]{1,30})?"
    r"(?:[ ]{1,2}(?:(?i:" + _PARTICLE + r")[ ]{1,2}){0,3}" + _NAME_WORD + r"){0,2})"
)

_PARTICLES = {"van", "von", "de", "der", "den", "du", "da", "di", "del", "della", "la", "le", "el", "al", "ben",
              "bin", "ter", "ten", "vanden", "vander", "mc", "d'", "d’"}

# Capitalised words that follow a cue but are no names ("ik ben Belg", "je suis Française", Dr. Who...).
NOT_NAMES = {
    "belg", "belge", "marokkaan", "marokkaans", "marocain", "marocaine", "frans", "française", "français",
    "nederlands", "nederlandstalig", "francophone", "brusselaar", "bruxellois", "bruxelloise", "zwanger",
    "enceinte", "ok", "oké", "niet", "pas", "urgent", "dringend", "moi", "ik", "je", "het", "de", "een", "un",
    "une", "le", "la", "les", "hier", "ici", "alleen", "seul", "seule", "student", "étudiant", "étudiante",
    "werkloos", "ziek", "malade", "mama", "papa", "moeder", "vader", "mère", "père", "ocmw", "cpas", "caw",
    "is", "est", "heeft", "a", "en", "et", "and", "the", "in", "op", "à", "au", "bij", "chez", "van",
    "turc", "turque", "turks", "congolais", "congolaise", "syrien", "syrienne", "afghan", "roumain", "polonais",
    "sans", "zonder", "thuis", "arabe", "arabisch", "engels", "anglais", "espagnol", "wallon", "vlaming",
    "bourgmestre", "burgemeester", "directeur", "directrice", "schepen", "échevin", "président", "voorzitter",
    "belgian", "belgische", "marokkaanse", "turkse", "turkish", "congolese", "syrische", "franse", "french",
    "moroccan", "dutch", "roemeense", "poolse", "spaanse", "italiaanse", "afghaanse", "guinéen", "guinéenne",
    "camerounais", "camerounaise", "sénégalais", "sénégalaise", "algérien", "algérienne", "tunisien",
    "tunisienne", "italien", "italienne", "espagnole", "portugais", "portugaise", "roumaine", "polonaise",
    "saint", "sainte", "sint", "st",
    "maar", "mais", "but", "uit", "from", "woon", "habite", "live", "ben", "suis", "am", "heb", "ai", "have",
    "zoek", "cherche", "need", "wil", "veux", "want", "ook", "aussi", "also", "nu", "maintenant", "now",
}

# Common first names in Brussels (Dutch, French, Arabic, Turkish, Slavic, African), written by hand;
# places and everyday words that are also first names are left out (Jette, Laken, Rose, Hope, Marie alone).
FIRST_NAMES = set("""
aaron abdel abdelkader abdellah abdou adam adil adrien ahmed aicha aïcha aisha alexandre ali alice amal
amina aminata amine amir ana andré anne annelies anouk an antoine arthur astrid aya ayoub bart bram brahim
camille carlos caroline catherine cédric charlotte chloé christophe claire dirk driss elena elif elise
emma emre ann emmanuel eric erik fatima fatou fatma fleur florence françois frédéric gert gilles hanne
hannah hasan hassan hélène hicham hilde ibrahim ilse imane inès ines isabelle jan jana jasper jean
jean-marc jean-pierre jef jelle jeroen joke joris josé julie karel karim katrien kevin khadija koen lars
laura lea léa leen lena liam lieve lisa lotte louis lucas luc maarten mamadou manon marc marcel
mariam marieke marie-rose mark martine mathilde mathieu maxime mehmet mohamed mohammed mounir mustafa
nadia nathalie nico nicolas nina noah noor nora olga olivier omar oscar patrick pauline peter philippe
pierre pieter rachid rania robert rik rosa ruben said saïd salma samira sander sara sarah sébastien
sofie sophie stijn stéphanie thomas tim tine tom valérie veerle véronique vincent wim wouter yasmine
yassine youssef yusuf zeynep zineb zoë
els ann annick griet nele lien eva kim jolien evelien charlotte ellen eline femke fien ine joke katleen
kristof bert dries geert hans jens joost kobe lander mathias pieter-jan seppe simon steven thijs toon
vic warre yannick anouar bilal hamza ilias imran ismail khalid mehdi nabil reda soufiane walid zakaria
fatiha hafsa houda latifa loubna malika meryem naima nawal saida siham souad wafae yousra zahra
abdoulaye amadou boubacar ibrahima moussa ousmane seydou awa fanta mariama kadiatou
agnieszka anna katarzyna magdalena marta piotr tomasz krzysztof ionut andrei elena mihai ayşe emine
hatice mustafa murat ahmet ali-reza dimitri ivan natalia oksana svetlana
gaëlle géraldine ludovic maxence quentin romain thibault aurélie delphine sandrine virginie
""".split())


class NameRecognizer(Re2Recognizer):
    ENTITY = "PERSON"

    def patterns(self) -> list:
        return [_STRONG, _CUED, _CAPITALISED]

    def accept(self, match, text: str, pattern=None) -> tuple[int, int, str] | None:
        start, end = match.start(1), match.end(1)  # the only capturing group
        words = text[start:end].split()
        if pattern is _CAPITALISED:
            # Without a cue only a known first name counts (then the surname after it too).
            if words[0].lower() not in FIRST_NAMES or (start > 0 and text[start - 1] in "-'’"):
                return None  # "Molenbeek-Saint-Jean" is a commune
            if text[max(0, start - 7):start].lower().rstrip().endswith(("saint", "sint", "st.", "sainte")):
                return None  # Saint Luc, Sint Jan: hospitals and places
        else:
            core = [w for w in words if w.lower() not in _PARTICLES]
            if not core or core[0].lower().strip(".") in NOT_NAMES:
                return None
        # Drop trailing words that are everyday words written with a capital ("Janssens Heeft").
        while len(words) > 1 and words[-1].lower() in NOT_NAMES:
            end = start + text[start:end].rstrip().rfind(words[-1]) - 1
            end = start + len(text[start:end].rstrip())
            words = words[:-1]
        return start, end, self.ENTITY


def text_recognizers(language: str) -> list[Re2Recognizer]:
    return [AddressRecognizer(language), NameRecognizer(language)]


def plausible_person(text: str, result: RecognizerResult) -> RecognizerResult | None:
    """Keep a PERSON from the statistical NER only when it looks like a name: one to four words, each
    capitalised or a particle, none an everyday word; trims everyday words at its edges."""
    check_deadline()
    words = text[result.start:result.end].split()
    if not 1 <= len(words) <= 4:
        return None
    for word in words:
        bare = word.strip(".,;:!?()\"'")
        if not bare or any(ch.isdigit() for ch in bare):
            return None
        if bare.lower() in NOT_NAMES and not bare[0].isupper():
            return None
        if not bare[0].isupper() and bare.lower() not in ("van", "de", "der", "den", "du", "la", "le", "el"):
            return None
    if words[0].lower() in NOT_NAMES:
        return None
    if any(word.lower().strip(".,") in _TITLE_WORDS for word in words):
        return None  # "Mme la directrice": the cue recognizer takes the name after a title
    return result


_TITLE_WORDS = {"mme", "mmes", "madame", "mlle", "mademoiselle", "m", "monsieur", "meneer", "mevrouw", "mevr",
                "dhr", "mr", "mrs", "ms", "dr", "dokter", "docteur", "doctor", "prof", "professeur"}
