from __future__ import annotations

import pytest

from tests.conftest import PASSWORD, TestClient
from tests.integration.web.helpers import csrf


@pytest.fixture
def browser(client: TestClient) -> TestClient:
    """Signed in through the register form, like a person with JavaScript off."""
    token = csrf(client.get("/register").text)
    response = client.post(
        "/register", data={"username": "ada", "password": PASSWORD, "csrf_token": token}
    )
    assert response.status_code == 200  # followed the 303 to the catalog
    return client
