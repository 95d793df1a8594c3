import pytest
from django.test import Client

pytestmark = pytest.mark.django_db


def test_the_openapi_document_lists_every_endpoint_with_its_error_responses() -> None:
    spec = Client().get("/api/openapi.json").json()
    paths = spec["paths"]
    expected = {
        ("/api/v1/feedback", "post"),
        ("/api/v1/feedback/{feedback_id}", "get"),
        ("/api/v1/cases", "get"),
        ("/api/v1/cases/{case_id}", "get"),
        ("/api/v1/interactions", "post"),
        ("/api/v1/interactions/batch", "post"),
        ("/api/v1/locations", "post"),
        ("/api/v1/locations", "get"),
        ("/api/v1/feedback/batch", "post"),
        ("/api/v1/detection-rules", "post"),
        ("/api/v1/detection-rules", "get"),
        ("/api/v1/surveys/invitations", "post"),
    }
    assert expected <= {(path, method) for path, methods in paths.items() for method in methods}
    for path, method in expected:
        responses = paths[path][method]["responses"]
        assert "401" in responses, (path, method)
        assert "422" in responses, (path, method)
        error_schema = responses["401"]["content"]["application/json"]["schema"]
        assert error_schema["$ref"].endswith("/ErrorOut")
    error = spec["components"]["schemas"]["ErrorOut"]
    assert set(error["properties"]) == {"code", "message", "field"}
