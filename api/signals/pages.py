"""The ELZ dashboard (/elz/): static HTML, JS and CSS; Chart.js served from node_modules.

The page itself is public (it holds no data); every number comes from /api/v1/signals, which needs the
role elz. A visitor who is not signed in is sent to /login by the page's script.
"""

from fastapi import APIRouter
from fastapi.responses import FileResponse, RedirectResponse

from common.config import REPO_ROOT
from common.errors import Unavailable

router = APIRouter(tags=["ELZ dashboard"], include_in_schema=False)

ELZ_DIR = REPO_ROOT / "api" / "static" / "elz"
CHART_JS = REPO_ROOT / "node_modules" / "chart.js" / "dist" / "chart.umd.js"


@router.get("/elz")
def elz_redirect() -> RedirectResponse:
    return RedirectResponse("/elz/", status_code=308)


@router.get("/elz/")
def dashboard() -> FileResponse:
    return FileResponse(ELZ_DIR / "index.html", media_type="text/html", headers={"Cache-Control": "no-store"})


@router.get("/elz/vendor/chart.umd.js")
def chart_js() -> FileResponse:
    if not CHART_JS.exists():
        raise Unavailable("chart.js is not installed: run `npm ci` (make install)")
    return FileResponse(CHART_JS, media_type="text/javascript")
