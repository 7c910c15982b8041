"""What the system endpoints answer: readiness (/healthz) and the product's vocabularies."""

from typing import Literal

from pydantic import BaseModel, Field, create_model

from dialogue import vocabularies


class ComponentStatus(BaseModel):
    ok: bool
    detail: str


class Health(BaseModel):
    status: Literal["ok", "unavailable"]
    components: dict[str, ComponentStatus] = Field(description="database, rasa, action_server")


# One field per vocabulary, its values listed in the schema: built from dialogue.vocabularies so that a new
# vocabulary or value there reaches the OpenAPI document without being typed again here.
Vocabularies = create_model(
    "Vocabularies",
    __doc__="Every closed vocabulary of the product, values in their canonical order.",
    **{name: (list[Literal[tuple(values)]], ...) for name, values in vocabularies.as_json().items()},
)
