"""Every closed vocabulary of the product, in one place.

Python code uses the enums or the tuples (a StrEnum member equals its string, so `value in BARRIERS` works
for plain strings too); the browser gets the same lists from GET /api/vocabularies, so no list is typed
again in JavaScript. Changing a value here changes what the database accepts: add a migration if a stored
column's values change.
"""

from enum import StrEnum

from kb.editing.fields import STATUSES as SERVICE_STATUSES
from kb.editing.review import REASONS as REVIEW_REASONS


class Role(StrEnum):
    ONTHAAL = "onthaal"
    ELZ = "elz"
    ADMIN = "admin"


class SignalType(StrEnum):
    UNMET_NEED = "unmet_need"
    KNELPUNT = "knelpunt"
    DATA_QUALITY = "data_quality"


class SignalSource(StrEnum):
    ASSISTANT = "assistant"
    CITIZEN = "citizen"
    WORKER = "worker"


class Barrier(StrEnum):
    WAITING_LIST = "waiting_list"
    COST = "cost"
    DISTANCE = "distance"
    LANGUAGE = "language"
    ACCESSIBILITY = "accessibility"
    REFUSAL = "refusal"
    OTHER = "other"


class AgeBand(StrEnum):
    CHILD = "0-17"
    YOUNG_ADULT = "18-29"
    ADULT = "30-44"
    MIDDLE_AGED = "45-64"
    SENIOR = "65-79"
    ELDERLY = "80+"


class SignalStatus(StrEnum):
    NEW = "new"
    REVIEWED = "reviewed"
    ESCALATED = "escalated"
    RESOLVED_LOCALLY = "resolved_locally"
    DISMISSED = "dismissed"


class Language(StrEnum):
    DUTCH = "nl"
    FRENCH = "fr"
    ENGLISH = "en"


class Author(StrEnum):
    """Who wrote a message of a transcript."""

    CITIZEN = "citizen"
    BOT = "bot"
    WORKER = "worker"


class CaseStatus(StrEnum):
    WAITING = "waiting"
    CLAIMED = "claimed"
    RESOLVED = "resolved"


class Urgency(StrEnum):
    CRISIS = "crisis"
    HIGH = "high"
    NORMAL = "normal"


class ContactChannel(StrEnum):
    CHAT = "chat"
    PHONE = "phone"
    EMAIL = "email"


class Outcome(StrEnum):
    REFERRED = "referred"
    INFORMATION = "information"
    NO_CONTACT = "no_contact"
    OTHER = "other"


class Ending(StrEnum):
    """After a case is resolved, the conversation goes back to the assistant or is closed."""

    BOT = "bot"
    CLOSE = "close"


class CustomType(StrEnum):
    """`custom.type` of a message the citizen's channel receives: the widget dispatches on it exactly, and
    the API acts on some of them after delivering the bot's reply (api.flows)."""

    ASSISTANT_UNAVAILABLE = "assistant_unavailable"
    ASSISTANT_SLOW = "assistant_slow"
    EMERGENCY_NUMBERS = "emergency_numbers"
    SERVICE_LIST = "service_list"
    HANDOVER_REQUESTED = "handover_requested"
    HANDOVER_QUEUED = "handover_queued"
    HANDOVER_CALLBACK_OFFER = "handover_callback_offer"
    HANDOVER_CONTACT_SAVED = "handover_contact_saved"
    HANDOVER_CLAIMED = "handover_claimed"
    HANDOVER_ENDED = "handover_ended"
    FORGET_CONVERSATION = "forget_conversation"


ROLES = tuple(Role)
SIGNAL_TYPES = tuple(SignalType)
SIGNAL_SOURCES = tuple(SignalSource)
BARRIERS = tuple(Barrier)
AGE_BANDS = tuple(AgeBand)
SIGNAL_STATUSES = tuple(SignalStatus)
SIGNAL_LANGUAGES = tuple(Language)
AUTHORS = tuple(Author)
CASE_STATUSES = tuple(CaseStatus)
URGENCIES = tuple(Urgency)
CONTACT_CHANNELS = tuple(ContactChannel)
OUTCOMES = tuple(Outcome)
ENDINGS = tuple(Ending)
CUSTOM_TYPES = tuple(CustomType)


# The name the browser reads each vocabulary under (GET /api/vocabularies), in the order it is served.
_SERVED: dict[str, type[StrEnum]] = {
    "roles": Role,
    "signal_types": SignalType,
    "signal_sources": SignalSource,
    "barriers": Barrier,
    "age_bands": AgeBand,
    "signal_statuses": SignalStatus,
    "languages": Language,
    "authors": Author,
    "case_statuses": CaseStatus,
    "urgencies": Urgency,
    "contact_channels": ContactChannel,
    "outcomes": Outcome,
    "endings": Ending,
    "custom_types": CustomType,
}


def as_json() -> dict[str, list[str]]:
    """The vocabularies the browser screens and the widget read (GET /api/vocabularies)."""
    return {
        **{name: [str(v) for v in vocabulary] for name, vocabulary in _SERVED.items()},
        # the sociale kaart's own vocabularies (kb.editing), for the kaart screen
        "service_statuses": list(SERVICE_STATUSES),
        "review_reasons": list(REVIEW_REASONS),
    }
