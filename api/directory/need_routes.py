"""GET /api/v1/needs/match: a citizen's free text -> social.brussels categories."""

from typing import Annotated

from fastapi import APIRouter, Query

from api.directory.query_checks import check_lang, check_query
from api.directory.schemas import NeedMatches
from kb.matching import match_needs

router = APIRouter(prefix="/api/v1/needs", tags=["sociale kaart"])


@router.get("/match", response_model=NeedMatches)
def match(
    q: Annotated[str, Query(description="the need in the citizen's words")] = "",
    lang: Annotated[str, Query(description="nl, fr or en")] = "nl",
    limit: Annotated[int, Query(ge=1, le=20)] = 5,
) -> dict:
    text = check_query(q, required=True)
    check_lang(lang)
    found = match_needs(text, lang, limit)
    return {"categories": [{"id": c.id, "name": c.name, "score": c.score} for c in found]}
