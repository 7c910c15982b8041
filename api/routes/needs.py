"""GET /api/v1/needs/match: a citizen's free text -> social.brussels categories."""

from typing import Annotated

from fastapi import APIRouter, HTTPException, Query

from api.routes.query_checks import check_lang, check_query
from kb.matching import match_needs

router = APIRouter(prefix="/api/v1/needs", tags=["sociale kaart"])


@router.get("/match")
def match(
    q: Annotated[str, Query(description="the need in the citizen's words")] = "",
    lang: Annotated[str, Query(description="nl, fr or en")] = "nl",
    limit: Annotated[int, Query(ge=1, le=20)] = 5,
) -> dict:
    text = check_query(q, required=True)
    check_lang(lang)
    try:
        found = match_needs(text, lang, limit)
    except ValueError as exc:
        raise HTTPException(status_code=422, detail=str(exc)) from None
    return {"categories": [{"id": c.id, "name": c.name, "score": c.score} for c in found]}
