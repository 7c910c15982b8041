"""GET /healthz: 200 when the database, Rasa (model loaded) and the action server are all ready."""

from dataclasses import asdict

from fastapi import APIRouter, Response

from api.core.config import get_settings
from api.services.components import check_components

router = APIRouter(tags=["health"])


@router.get("/healthz")
async def healthz(response: Response) -> dict:
    components = await check_components(get_settings())
    ready = all(status.ok for status in components.values())
    response.status_code = 200 if ready else 503
    return {
        "status": "ok" if ready else "unavailable",
        "components": {name: asdict(status) for name, status in components.items()},
    }
