"""The sandbox alone, for ``motcua bench http``: the e-ID provider and the registries the demo
mounts in the platform, served at the same paths by a process of their own. A real e-ID
provider and real registries are other systems: served inside the platform's workers, a
sign-in's token exchange and a fetch wait behind the very load being measured, and at 64
clients they time out (the platform calling itself)."""

from fastapi import FastAPI

from motcua.core.settings import get_settings


def create_app() -> FastAPI:
    """``uvicorn motcua.bench.sandbox:create_app --factory``: the e-ID provider's key and spent
    codes and the registries' fault switches under ``MOTCUA_STORAGE_DIR``; the provider's one
    client calls back to ``MOTCUA_PUBLIC_BASE_URL`` (the platform's)."""
    from motcua.sandbox.oidc import create_oidc_app
    from motcua.sandbox.registries import create_sandbox_app, default_population

    app = FastAPI(title="motcua sandbox (synthetic people)", docs_url=None, redoc_url=None)
    app.mount("/sandbox/registries", create_sandbox_app(default_population()))
    shared = get_settings().storage_dir / "sandbox-oidc"
    app.mount("/sandbox/oidc", create_oidc_app(shared_dir=shared))
    return app
