"""The real stack for end-to-end tests: Rasa with the trained model, the action server and the API,
started as `make run` starts them, on free ports and a throwaway SQLite database."""

from collections.abc import Iterator

import httpx
import pytest

from api.stack import Stack, scratch_settings
from common.config import REPO_ROOT
from tests.e2e.widget_support import DESKTOP, NODE_MODULES, Page
from tests.support import chromium, running_stack


@pytest.fixture(scope="session")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    model = REPO_ROOT / "models" / "gbo.tar.gz"
    if not model.exists():
        pytest.fail("no trained Rasa model: run `make test`, which trains it", pytrace=False)
    tmp = tmp_path_factory.mktemp("stack")
    settings = scratch_settings(
        tmp,
        # Functional tests, not a latency test: a loaded CI machine must not turn answers into fallbacks.
        rasa_timeout_seconds=30,
        # ... nor into "a moment, your message is kept" notices before the answer (tests of that notice
        # use a silent Rasa: tests/api/channel/test_socketio.py).
        rasa_slow_notice_seconds=60,
        rate_limit_per_ip=100_000,  # every test citizen comes from 127.0.0.1
    )
    with running_stack(settings, tmp / "log") as running:
        yield running


@pytest.fixture
def api(stack: Stack) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=f"http://127.0.0.1:{stack.settings.api_port}", timeout=30) as client:
        yield client


# --- a browser on the stack's pages (the widget's and the handover's browser tests) -----------------
@pytest.fixture(scope="module")
def browser() -> Iterator:
    """Closed at the module's end: while Playwright's sync API runs, the main thread has a running event loop,
    and later tests that use asyncio.run() would fail."""
    if not (NODE_MODULES / "socket.io-client").exists():
        pytest.fail("node_modules is missing: run `make install` (npm ci)", pytrace=False)
    with chromium() as browser:
        yield browser


@pytest.fixture
def base_url(stack) -> str:
    return f"http://127.0.0.1:{stack.settings.api_port}"


@pytest.fixture
def make_page(browser, base_url) -> Iterator:
    contexts = []

    def make(viewport: dict = DESKTOP, **options) -> Page:
        context = browser.new_context(viewport=viewport, **options)
        contexts.append(context)
        return Page(context.new_page(), base_url)

    yield make
    for context in contexts:
        context.close()
