"""The API docs page (``GET /docs``) served from the installed package, never from a CDN.

FastAPI's default ``/docs`` loads Swagger UI's script and style from a public CDN (and its
favicon from fastapi.tiangolo.com); offline the page is blank, and online it tells a third party
who reads the API. Here the page names only this server: the files come from the
``swagger-ui-bundle`` package, at ``/docs/assets/<name>``, from a fixed list of names (no path is
ever built from the request). ReDoc (``/redoc``), which also loads from a CDN, is off.
"""

from __future__ import annotations

from fastapi import FastAPI, HTTPException
from fastapi.openapi.docs import get_swagger_ui_html, get_swagger_ui_oauth2_redirect_html
from fastapi.responses import HTMLResponse, Response

ASSETS_PATH = "/docs/assets"
_ASSETS = {
    "swagger-ui-bundle.js": "application/javascript",
    "swagger-ui.css": "text/css",
    "favicon-32x32.png": "image/png",
}


def _asset_folder():
    import swagger_ui_bundle  # Swagger UI's release files, Apache-2.0

    return swagger_ui_bundle.swagger_ui_path


def add_docs_page(app: FastAPI, title: str) -> None:
    """Add ``/docs`` (Swagger UI over ``app.openapi_url``) and its assets to an app without FastAPI's docs."""
    cache: dict[str, bytes] = {}

    @app.get("/docs", include_in_schema=False)
    async def docs() -> HTMLResponse:
        return get_swagger_ui_html(
            openapi_url=app.openapi_url or "/openapi.json",
            title=f"{title} - API",
            swagger_js_url=f"{ASSETS_PATH}/swagger-ui-bundle.js",
            swagger_css_url=f"{ASSETS_PATH}/swagger-ui.css",
            swagger_favicon_url=f"{ASSETS_PATH}/favicon-32x32.png",
            oauth2_redirect_url="/docs/oauth2-redirect",
            swagger_ui_parameters={"validatorUrl": None},  # no badge fetched from validator.swagger.io
        )

    @app.get("/docs/oauth2-redirect", include_in_schema=False)
    async def oauth2_redirect() -> HTMLResponse:
        return get_swagger_ui_oauth2_redirect_html()

    @app.get(ASSETS_PATH + "/{name}", include_in_schema=False)
    async def asset(name: str) -> Response:
        if name not in _ASSETS:
            raise HTTPException(404, f"no docs asset {name!r}")
        if name not in cache:
            cache[name] = (_asset_folder() / name).read_bytes()
        return Response(cache[name], media_type=_ASSETS[name], headers={"Cache-Control": "max-age=86400"})
