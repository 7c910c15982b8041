"""The embeddable chat widget (/widget/), its texts per language, and the demo page (/)."""

from fastapi import APIRouter
from fastapi.responses import FileResponse

from api.channel.schemas import WidgetTexts
from common.config import REPO_ROOT, get_settings
from common.errors import NotFound, Unavailable
from dialogue import i18n

router = APIRouter(tags=["widget"])

STATIC_DIR = REPO_ROOT / "api" / "static"
WIDGET_DIR = STATIC_DIR / "widget"
SOCKET_IO_CLIENT = REPO_ROOT / "node_modules" / "socket.io-client" / "dist" / "socket.io.min.js"
WIDGET_PREFIX = "widget_"


def widget_texts(lang: str) -> dict[str, str]:
    """Every `widget_*` text of bot/catalog/<lang>.yml, keyed without the prefix."""
    days = str(get_settings().retention_days)
    texts = {
        key.removeprefix(WIDGET_PREFIX): i18n.text(key, lang, days=days)
        for key in i18n.catalogs()[lang] if key.startswith(WIDGET_PREFIX)
    }
    # The first greeting speaks both languages of Brussels, until the citizen picks one.
    texts["welcome_bilingual"] = f"{i18n.text('widget_welcome', 'nl')} {i18n.text('widget_welcome', 'fr')}"
    return texts


@router.get("/", include_in_schema=False)
async def demo_page() -> FileResponse:
    return FileResponse(STATIC_DIR / "demo" / "index.html", media_type="text/html")


@router.get("/widget/i18n/{lang}.json", response_model=WidgetTexts)
async def widget_catalog(lang: str) -> dict[str, str]:
    if lang not in i18n.LANGUAGES:
        raise NotFound(f"no texts for language {lang!r}: use one of {', '.join(i18n.LANGUAGES)}")
    return widget_texts(lang)


@router.get("/widget/vendor/socket.io.min.js", include_in_schema=False)
async def socket_io_client() -> FileResponse:
    if not SOCKET_IO_CLIENT.exists():
        raise Unavailable("socket.io-client is not installed: run `make install` (npm ci)")
    return FileResponse(SOCKET_IO_CLIENT, media_type="text/javascript")
