"""Staff sign-in: OAuth2 password flow for API clients, an HttpOnly cookie session for the web screens."""

from typing import Annotated

from fastapi import APIRouter, Depends, HTTPException, Request, Response, status
from fastapi.responses import FileResponse, RedirectResponse
from fastapi.security import OAuth2PasswordRequestForm
from starlette.concurrency import run_in_threadpool

from api.accounts.schemas import Me, Token
from api.accounts.service import end_sessions
from api.core.guards import SESSION_COOKIE
from api.core.security import SignInBusy, authenticate, create_access_token, normalise_email
from api.deps import CurrentUser, SessionDep, current_user
from common.config import REPO_ROOT, get_settings
from common.errors import NotFound

router = APIRouter(tags=["staff sign-in"])

LOGIN_DIR = REPO_ROOT / "api" / "static" / "login"
MAX_FIELD_CHARS = 1024


def _cookie_secure(request: Request) -> bool:
    """Secure everywhere, except development and test over plain http (a browser would drop it there)."""
    settings = get_settings()
    return not (settings.gbo_env in ("development", "test") and request.url.scheme == "http")


@router.post("/api/v1/auth/token")
async def issue_token(
    request: Request,
    response: Response,
    form: Annotated[OAuth2PasswordRequestForm, Depends()],
    session: SessionDep,
) -> Token:
    if len(form.username) > MAX_FIELD_CHARS or len(form.password) > MAX_FIELD_CHARS:
        raise HTTPException(status.HTTP_400_BAD_REQUEST, "e-mail or password too long")
    throttle = request.app.state.login_throttle
    account, ip = normalise_email(form.username), request.client.host if request.client else None
    wait = await throttle.retry_after(account, ip)
    if wait is not None:
        raise HTTPException(
            status.HTTP_429_TOO_MANY_REQUESTS, "too many failed sign-ins: try again later",
            headers={"Retry-After": str(wait)},
        )
    try:
        # argon2 is slow on purpose: off the event loop, so other requests go on meanwhile.
        user = await run_in_threadpool(authenticate, session, form.username, form.password)
    except SignInBusy:
        raise HTTPException(
            status.HTTP_503_SERVICE_UNAVAILABLE, "sign-in is busy: try again in a few seconds",
            headers={"Retry-After": "5"},
        ) from None
    if user is None:
        await throttle.failed(account, ip)
        raise HTTPException(
            status.HTTP_401_UNAUTHORIZED, "wrong e-mail or password", headers={"WWW-Authenticate": "Bearer"}
        )
    await throttle.succeeded(account)
    token = create_access_token(user)
    response.set_cookie(
        SESSION_COOKIE,
        token,
        max_age=get_settings().access_token_minutes * 60,
        path="/",
        httponly=True,
        secure=_cookie_secure(request),
        samesite="strict",
    )
    response.headers["Cache-Control"] = "no-store"
    return Token(access_token=token)


@router.post("/api/v1/auth/logout", status_code=204)
def logout(request: Request, session: SessionDep) -> Response:
    """End the session: the cookie goes, and every token of this user issued until now stops working."""
    response = Response(status_code=204)
    try:
        user = current_user(request, session)
    except HTTPException:
        user = None
    if user is not None:
        end_sessions(session, user)
    response.delete_cookie(SESSION_COOKIE, path="/", httponly=True, secure=_cookie_secure(request),
                           samesite="strict")
    return response


@router.get("/api/v1/auth/me")
def me(user: CurrentUser) -> Me:
    return Me(email=user.email, role=user.role)


@router.get("/login", include_in_schema=False)
def login_page() -> FileResponse:
    return FileResponse(
        LOGIN_DIR / "index.html", media_type="text/html", headers={"Cache-Control": "no-store"}
    )


@router.get("/login/", include_in_schema=False)
def login_page_slash() -> RedirectResponse:
    return RedirectResponse("/login", status_code=308)


@router.get("/login/{name}", include_in_schema=False)
def login_asset(name: str) -> FileResponse:
    types = {"login.js": "text/javascript"}
    if name not in types:
        raise NotFound("not found")
    return FileResponse(LOGIN_DIR / name, media_type=types[name])
