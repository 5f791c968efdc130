from __future__ import annotations

from tests.integration.admin.conftest import history
from tests.integration.web.conftest import browser

__all__ = ["browser", "history"]
