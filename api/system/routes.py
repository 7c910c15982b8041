"""GET /healthz: 200 when the database, Rasa (model loaded) and the action server are all ready.
GET /api/vocabularies: every closed vocabulary (public: it holds no data), for the widget and staff screens."""

from dataclasses import asdict

from fastapi import APIRouter, Response

from api.system.components import check_components
from api.system.schemas import Health, Vocabularies
from common.config import get_settings
from dialogue import vocabularies

router = APIRouter(tags=["health"])
VOCABULARIES_MAX_AGE = 300  # seconds: the lists change only with a release


@router.get("/healthz", response_model=Health, responses={503: {"model": Health, "description": "not ready"}})
async def healthz(response: Response) -> dict:
    components = await check_components(get_settings())
    ready = all(status.ok for status in components.values())
    response.status_code = 200 if ready else 503
    return {
        "status": "ok" if ready else "unavailable",
        "components": {name: asdict(status) for name, status in components.items()},
    }


@router.get("/api/vocabularies", response_model=Vocabularies, tags=["vocabularies"])
def vocabularies_list(response: Response) -> dict:
    response.headers["Cache-Control"] = f"public, max-age={VOCABULARIES_MAX_AGE}"
    return vocabularies.as_json()
