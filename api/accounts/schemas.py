"""What the sign-in endpoints answer."""

from typing import Literal

from pydantic import BaseModel

from dialogue.vocabularies import Role


class Token(BaseModel):
    access_token: str
    token_type: Literal["bearer"] = "bearer"  # noqa: S105 - the OAuth2 token type


class Me(BaseModel):
    email: str
    role: Role
