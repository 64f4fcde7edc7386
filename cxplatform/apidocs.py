"""The API's browsable docs (Swagger UI from drf-spectacular's sidecar: no CDN).

drf-spectacular's default page starts Swagger UI with an inline script and styles
itself with an inline <style>, both refused by the app's content security policy.
The split view serves that script from this same URL (`?script`), and our template
links the few page styles from a static file, so the docs need no exception to the
policy: no nonce, no 'unsafe-inline'.
"""

from __future__ import annotations

from drf_spectacular.views import SpectacularSwaggerSplitView


class ApiDocsView(SpectacularSwaggerSplitView):
    template_name = "api/swagger_ui.html"
