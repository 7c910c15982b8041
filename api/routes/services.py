"""GET /api/v1/services: services for a need, nearest first from the citizen's postcode."""

from typing import Annotated

from fastapi import APIRouter, Depends, HTTPException, Query
from sqlalchemy.orm import Session

from api.core.db import get_session
from api.routes.query_checks import check_lang, check_query
from api.services.directory import SearchInputError, search_services

router = APIRouter(prefix="/api/v1", tags=["sociale kaart"])


@router.get("/services")
def services(
    session: Annotated[Session, Depends(get_session)],
    q: Annotated[str | None, Query(description="the need in the citizen's words")] = None,
    category: Annotated[list[int] | None, Query(description="social.brussels category id(s)")] = None,
    postcode: Annotated[str | None, Query(description="Brussels postcode or commune name")] = None,
    lang: Annotated[str, Query(description="nl, fr or en")] = "nl",
    limit: Annotated[int, Query(ge=1, le=50)] = 10,
) -> dict:
    text = check_query(q, required=False)
    check_lang(lang)
    if postcode is not None and (not postcode.strip() or len(postcode) > 60):
        raise HTTPException(status_code=422, detail="postcode must be a Brussels postcode such as 1020")
    if text is None and not category and postcode is None:
        raise HTTPException(status_code=422, detail="give q (the need), category or postcode")
    try:
        return search_services(
            session, q=text, category_ids=category, postcode=postcode, lang=lang, limit=limit
        )
    except SearchInputError as exc:
        raise HTTPException(status_code=422, detail=str(exc)) from None
