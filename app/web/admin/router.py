"""Every admin route, behind one dependency: `admin_learner` (401 signed out, 403 learner).

Pages live under /admin (forms checked for CSRF), JSON under /api/admin (the API's
CSRF rule, a middleware over all of /api). A route added to any module here is
protected without a word more; the test that walks every registered /admin and
/api/admin route keeps it so.
"""

from __future__ import annotations

from fastapi import APIRouter, Depends

from app.web.admin import analytics, audit_log, awards, content, credentials, dashboard, learners
from app.web.deps import admin_learner
from app.web.security import verify_form_csrf

# The role check comes first: a signed-out form POST is a 401, not a CSRF 403.
admin_pages = APIRouter(
    include_in_schema=False,
    dependencies=[Depends(admin_learner), Depends(verify_form_csrf)],
)
admin_api = APIRouter(
    tags=["admin"],
    dependencies=[Depends(admin_learner)],
    responses={401: {"description": "Not signed in"}, 403: {"description": "Not an admin"}},
)
for module in (dashboard, awards, learners, analytics, content, audit_log):
    admin_pages.include_router(module.pages, prefix="/admin")
    admin_api.include_router(module.api, prefix="/api/admin")

router = APIRouter()
router.include_router(admin_pages)
router.include_router(admin_api)
router.include_router(credentials.api)
router.include_router(credentials.pages)
router.include_router(credentials.public)
