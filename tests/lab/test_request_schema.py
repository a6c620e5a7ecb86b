"""What the API promises about refused requests: the OpenAPI schema documents the 422 body
the app really sends, and yes-or-no fields take only true or false. Also which addresses
count as private (loopback) for the start-up messages and the playground."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from neuronlab.lab.app import create_app
from neuronlab.lab.settings import Settings
from neuronlab.lab.validation import StrictModel


@pytest.fixture(scope="module")
def client():
    with TestClient(create_app(Settings())) as client:
        yield client


def json_body_operations(schema: dict) -> list[tuple[str, str]]:
    """(method, path) of every operation that takes a JSON body."""
    found = []
    for path, operations in schema["paths"].items():
        for method, operation in operations.items():
            content = operation.get("requestBody", {}).get("content", {})
            if "application/json" in content:
                found.append((method, path))
    return found


def test_the_schema_documents_the_422_body_that_is_sent(client):
    schema = client.get("/api/openapi.json").json()
    documented = schema["components"]["schemas"]["RefusedRequest"]
    assert documented["required"] == ["detail"]
    assert documented["properties"]["detail"]["type"] == "string"
    assert documented["properties"]["fields"] == {
        **documented["properties"]["fields"],
        "type": "array",
        "items": {"type": "string"},
    }
    assert "HTTPValidationError" not in str(schema) and "ValidationError" not in str(schema)
    operations = json_body_operations(schema)
    assert len(operations) >= 8  # the widgets' POST routes
    for method, path in operations:
        refused = schema["paths"][path][method]["responses"]["422"]
        reference = refused["content"]["application/json"]["schema"]["$ref"]
        assert reference == "#/components/schemas/RefusedRequest", path
        # and the app sends just that: a sentence, and the refused fields
        response = client.request(method, path, json={"no_such_setting": 1})
        assert response.status_code == 422, (path, response.text)
        body = response.json()
        assert set(body) <= set(documented["properties"]) and isinstance(body["detail"], str)
        assert body["fields"] == ["no_such_setting"], (path, body)
        assert all(isinstance(name, str) for name in body["fields"])


@pytest.mark.parametrize("value", ["yes", "true", "false", 1, 0, "on", None, [True]])
def test_yes_or_no_fields_take_only_true_or_false(client, value):
    response = client.post("/api/overfitting/run", json={"early_stopping": value})
    assert response.status_code == 422, response.text
    body = response.json()
    assert body["fields"] == ["early_stopping"]
    assert body["detail"].startswith("Early stopping should be true or false")


def test_true_and_false_are_taken(client):
    for value in (True, False):
        body = {"early_stopping": value, "points": 20, "epochs": 10}
        assert client.post("/api/overfitting/run", json=body).status_code == 200


def test_every_bool_field_of_a_request_model_is_strict():
    class Query(StrictModel):
        flag: bool = False
        maybe: bool | None = None
        count: int = 0

    assert Query(flag=True, maybe=None, count=True).flag is True  # only the flags are strict
    for field in ("flag", "maybe"):
        with pytest.raises(ValueError, match="bool"):
            Query(**{field: "yes"})


@pytest.mark.parametrize(
    ("host", "exposed"),
    [
        ("127.0.0.1", False),
        ("127.0.0.2", False),
        ("127.1.2.3", False),
        ("localhost", False),
        ("::1", False),
        ("[::1]", False),
        ("0.0.0.0", True),
        ("::", True),
        ("192.168.1.20", True),
        ("lab.example.org", True),  # a name could resolve to anything
    ],
)
def test_which_addresses_other_machines_can_reach(host, exposed):
    assert Settings(host=host).exposed is exposed
