"""GET /api/v1/services: services for a need, nearest first from the citizen's postcode."""

from typing import Annotated

from fastapi import APIRouter, Query

from api.deps import SessionDep
from api.directory.query_checks import check_lang, check_query
from api.directory.schemas import ServiceSearch
from common.errors import InvalidInput
from dialogue.service_cards import search_services

router = APIRouter(prefix="/api/v1", tags=["sociale kaart"])


@router.get("/services", response_model=ServiceSearch)
def services(
    session: SessionDep,
    q: Annotated[str | None, Query(description="the need in the citizen's words")] = None,
    category: Annotated[list[int] | None, Query(description="social.brussels category id(s)")] = None,
    postcode: Annotated[str | None, Query(description="Brussels postcode or commune name")] = None,
    lang: Annotated[str, Query(description="nl, fr or en")] = "nl",
    limit: Annotated[int, Query(ge=1, le=50)] = 10,
) -> dict:
    text = check_query(q, required=False)
    check_lang(lang)
    if postcode is not None and (not postcode.strip() or len(postcode) > 60):
        raise InvalidInput("postcode must be a Brussels postcode such as 1020")
    if text is None and not category and postcode is None:
        raise InvalidInput("give q (the need), category or postcode")
    return search_services(
        session, q=text, category_ids=category, postcode=postcode, lang=lang, limit=limit
    )
