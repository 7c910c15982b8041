"""The OpenAPI document is the API's contract: every endpoint says what it answers, and the vocabularies the
browser screens read are the ones dialogue.vocabularies defines."""

import pytest
from fastapi.testclient import TestClient

from api.main import create_app
from dialogue import vocabularies


@pytest.fixture(scope="module")
def api():
    with TestClient(create_app()) as client:
        yield client


@pytest.fixture(scope="module")
def document(api) -> dict:
    response = api.get("/openapi.json")
    assert response.status_code == 200
    return response.json()


def _names_a_model(schema: dict) -> bool:
    """A $ref to a named model, or a list of them (not a bare object whose content the document leaves open)."""
    return "$ref" in schema or "$ref" in schema.get("items", {})


def _lacks_a_schema(operation: dict) -> str | None:
    answers = {code: r for code, r in operation["responses"].items() if code.startswith("2")}
    if not answers:
        return "no 2xx response"
    for code, answer in answers.items():
        content = answer.get("content")
        if code == "204":
            if content:
                return "204 with a body"
            continue
        if not content:
            return f"{code} without content"
        for media_type, described in content.items():
            schema = described.get("schema")
            if schema is None:
                return f"{code} {media_type} without a schema"
            if media_type == "application/json" and not _names_a_model(schema):
                return f"{code} {media_type} is not a response model: {schema}"
    return None


def test_every_endpoint_declares_what_it_answers(document):
    operations = [(method.upper(), path, op) for path, ops in document["paths"].items() for method, op in ops.items()]
    assert len(operations) > 40
    lacking = {f"{method} {path}": why for method, path, op in operations if (why := _lacks_a_schema(op))}
    assert lacking == {}


def test_models_in_the_document_carry_the_vocabularies(document):
    schemas = document["components"]["schemas"]
    assert schemas["Barrier"]["enum"] == list(vocabularies.BARRIERS)
    assert schemas["Outcome"]["enum"] == list(vocabularies.OUTCOMES)
    assert schemas["SignalStatus"]["enum"] == list(vocabularies.SIGNAL_STATUSES)


def test_vocabularies_are_served_as_defined(api, document):
    response = api.get("/api/vocabularies")
    assert response.status_code == 200
    served = response.json()
    assert served == vocabularies.as_json()
    assert served["custom_types"] == [str(t) for t in vocabularies.CustomType]
    assert "public" in response.headers["cache-control"]
    # The document lists the same names and values, so a client can be generated from it.
    model = document["components"]["schemas"]["Vocabularies"]
    assert set(model["required"]) == set(served)
    assert {name: model["properties"][name]["items"]["enum"] for name in served} == served


def test_vocabularies_need_no_sign_in(api):
    assert api.get("/api/vocabularies", headers={"Authorization": "Bearer nonsense"}).status_code == 200
