"""Every example in the OpenAPI schema is a valid instance of the schema it illustrates, which drf-spectacular
derives from the serializers and their choices: an example with a topic or a field that does not exist fails."""

from __future__ import annotations

import jsonschema
import pytest
from rest_framework.test import APIClient


@pytest.fixture(scope="module")
def schema(django_db_blocker) -> dict:
    with django_db_blocker.unblock():
        response = APIClient().get("/api/v1/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json")
    assert response.status_code == 200
    return response.json()


def examples_of(schema: dict):
    """(where, example value, the media type's schema) for every example of a request or a response body."""
    for path, operations in schema["paths"].items():
        for method, operation in operations.items():
            bodies = [("request", operation.get("requestBody", {}))]
            bodies += [(f"response {status}", response) for status, response in operation.get("responses", {}).items()]
            for kind, body in bodies:
                for media_type, content in body.get("content", {}).items():
                    for name, example in content.get("examples", {}).items():
                        yield (
                            f"{method.upper()} {path} {kind} {media_type} “{name}”",
                            example["value"],
                            content["schema"],
                        )


def test_the_schema_has_examples(schema):
    assert len(list(examples_of(schema))) >= 8


def test_every_example_is_valid_against_its_schema(schema):
    invalid = []
    for where, value, body_schema in examples_of(schema):
        # The components travel along so that the body's $refs resolve.
        root = {**body_schema, "components": schema["components"]}
        for error in jsonschema.Draft202012Validator(root).iter_errors(value):
            invalid.append(f"{where}: {error.json_path}: {error.message}")
    assert not invalid, "\n".join(invalid)
