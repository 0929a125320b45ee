"""Every door of the registry, activities and subsidy services, and the gateway's GraphQL,
refuses a forged or misdirected access token of the provider (issue 21, docs/adr/0019).

The services trust a provider whose signing keys are made here (its JWKS served in process
to the verifier). On every non-public route: an expired token, one signed by another key
under the provider's key id, one for another audience, one from another issuer, an
unsigned one (`alg: none`), an HMAC one keyed with the public key, and one naming a key the
provider does not publish are each a 401; a valid token whose roles lack the route's
scopes (a coordinator's) is a 403; a valid token with the right role gets past the door.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time
import uuid
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any

import httpx
import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat
from fastapi import FastAPI
from pydantic import SecretStr

from activities.config import Settings as ActivitiesSettings
from activities.entrypoints.api import create_app as activities_app
from gateway.config import Settings as GatewaySettings
from gateway.entrypoints.api import create_app as gateway_app
from registry.config import Settings as RegistrySettings
from registry.entrypoints.api import create_app as registry_app
from stemkit.access.identity import COORDINATOR, DECIDER, EDITOR, ROLE_SCOPES, VIEWER
from stemkit.access.oidc import JwksVerifier
from stemkit.settings import ServiceSettings
from subsidy.config import Settings as SubsidySettings
from subsidy.entrypoints.api import create_app as subsidy_app
from tests.abuse.conftest import kafka_from_env
from tests.abuse.test_service_doors import SAMPLE_PATH_VALUES, concrete, doors

ISSUER = "https://idp.abuse.test/realms/stem"
AUDIENCE = "stem-platform"
KID = "abuse-key-1"
KEY = rsa.generate_private_key(public_exponent=65537, key_size=2048)
STRANGER = rsa.generate_private_key(public_exponent=65537, key_size=2048)


def _jwks(request: httpx.Request) -> httpx.Response:
    if request.url.path.endswith("/.well-known/openid-configuration"):
        return httpx.Response(200, json={"issuer": ISSUER, "jwks_uri": f"{ISSUER}/certs"})
    jwk = json.loads(jwt.algorithms.RSAAlgorithm.to_jwk(KEY.public_key()))
    return httpx.Response(200, json={"keys": [jwk | {"kid": KID, "use": "sig", "alg": "RS256"}]})


def _b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def token(*, key: Any = KEY, kid: str = KID, roles: tuple[str, ...] = (), **claims: Any) -> str:
    now = int(time.time())
    body = {
        "iss": ISSUER,
        "aud": AUDIENCE,
        "sub": "abuse-subject",
        "iat": now,
        "exp": now + 300,
        "typ": "Bearer",
        "preferred_username": "abuser",
        "realm_access": {"roles": list(roles)},
    } | claims
    return jwt.encode(body, key, algorithm="RS256", headers={"kid": kid})


def unsigned(roles: tuple[str, ...]) -> str:
    body = token(roles=roles).split(".")[1]
    return f"{_b64(json.dumps({'alg': 'none', 'kid': KID}).encode())}.{body}.x"


def hmac_with_public_key(roles: tuple[str, ...]) -> str:
    pem = KEY.public_key().public_bytes(Encoding.PEM, PublicFormat.SubjectPublicKeyInfo)
    head = _b64(json.dumps({"alg": "HS256", "kid": KID, "typ": "JWT"}).encode())
    body = token(roles=roles).split(".")[1]
    signature = hmac.new(pem, f"{head}.{body}".encode(), hashlib.sha256).digest()
    return f"{head}.{body}.{_b64(signature)}"


ALL_OPS = (VIEWER, EDITOR, DECIDER)


def forged() -> dict[str, str]:
    """Tokens that must open no door, though they claim every staff role."""
    past = int(time.time()) - 3600
    return {
        "expired": token(roles=ALL_OPS, iat=past - 300, exp=past),
        "wrongly signed": token(roles=ALL_OPS, key=STRANGER),
        "wrong audience": token(roles=ALL_OPS, aud="another-api"),
        "wrong issuer": token(roles=ALL_OPS, iss="https://evil.example.test/realms/stem"),
        "unsigned": unsigned(ALL_OPS),
        "hmac with the public key": hmac_with_public_key(ALL_OPS),
        "unpublished key": token(roles=ALL_OPS, key=STRANGER, kid="not-published"),
        "id token": token(roles=ALL_OPS, typ="ID"),
    }


def trusting(settings: ServiceSettings) -> ServiceSettings:
    """The settings' verifier reads the JWKS made here instead of the network."""
    config = settings.oidc()
    assert config is not None
    client = httpx.AsyncClient(transport=httpx.MockTransport(_jwks))
    settings._verifier = JwksVerifier(config, client=client)
    return settings


def _kwargs(data_dir: Path) -> dict[str, Any]:
    return {
        "data_dir": str(data_dir),
        "kafka_bootstrap_servers": kafka_from_env(),
        "environment": "test",
        "ops_token": SecretStr("token-doors-ops-token-0123456789abcdef"),
        "gateway_token": SecretStr("token-doors-gateway-token-0123456789ab"),
        "cli_token": SecretStr("token-doors-cli-token-0123456789abcdef"),
        "oidc_issuer": ISSUER,
        "oidc_audience": AUDIENCE,
    }


FACTORIES: dict[str, Callable[[Path], FastAPI]] = {
    "registry": lambda d: registry_app(trusting(RegistrySettings(**_kwargs(d)))),  # type: ignore[arg-type]
    "activities": lambda d: activities_app(trusting(ActivitiesSettings(**_kwargs(d)))),  # type: ignore[arg-type]
    "subsidy": lambda d: subsidy_app(trusting(SubsidySettings(**_kwargs(d)))),  # type: ignore[arg-type]
}


def role_for(scopes: set[str]) -> str:
    """The staff role whose scopes cover the route's."""
    for role in (VIEWER, EDITOR, DECIDER):
        if scopes <= ROLE_SCOPES[role]:
            return role
    raise AssertionError(f"no role grants {sorted(scopes)}")


@pytest.fixture(scope="module")
def apps(tmp_path_factory: pytest.TempPathFactory) -> dict[str, FastAPI]:
    return {name: make(tmp_path_factory.mktemp(name)) for name, make in FACTORIES.items()}


@pytest.fixture
async def call(apps: dict[str, FastAPI]) -> AsyncIterator[Callable[..., Any]]:
    clients: dict[str, httpx.AsyncClient] = {}

    async def send(service: str, method: str, path: str, bearer: str) -> httpx.Response:
        if service not in clients:
            transport = httpx.ASGITransport(apps[service], raise_app_exceptions=False)
            clients[service] = httpx.AsyncClient(
                transport=transport, base_url=f"http://{service}", timeout=30
            )
        headers = {"Authorization": f"Bearer {bearer}"}
        return await clients[service].request(method, concrete(path), headers=headers)

    yield send
    for client in clients.values():
        await client.aclose()


@pytest.mark.parametrize(("service", "method", "path", "scopes"), doors())
async def test_no_forged_token_opens_a_door(
    call: Callable[..., Any], service: str, method: str, path: str, scopes: set[str] | None
) -> None:
    for name, bearer in forged().items():
        answer = await call(service, method, path, bearer)
        assert answer.status_code == 401, f"{name}: {answer.status_code} {answer.text[:200]}"
    if scopes is None:  # the plain ops-token check: no access token passes
        return
    if path.startswith("/self-service/"):  # an academy's own pages: its coordinator only
        own = SAMPLE_PATH_VALUES["academy_id"]
        for stranger in (
            token(roles=(COORDINATOR,), academy_id=str(uuid.uuid4())),
            token(roles=(COORDINATOR,)),
            token(roles=ALL_OPS),
        ):
            refused = await call(service, method, path, stranger)
            assert refused.status_code == 403, refused.text[:200]
        allowed = await call(service, method, path, token(roles=(COORDINATOR,), academy_id=own))
        assert allowed.status_code not in (401, 403), allowed.text[:200]
        return
    coordinator = await call(service, method, path, token(roles=(COORDINATOR,)))
    assert coordinator.status_code == 403, coordinator.text[:200]
    allowed = await call(service, method, path, token(roles=(role_for(scopes),)))
    assert allowed.status_code not in (401, 403), allowed.text[:200]


def test_the_roles_split_the_writes() -> None:
    """An editor may not decide, a decider may not edit, a viewer may not write at all."""
    found = {(case.values[0], case.values[1], case.values[2]): case.values[3] for case in doors()}
    decision = found[("registry", "POST", "/academies/{academy_id}/recognition")]
    calculation = found[("subsidy", "POST", "/calculations")]
    academy = found[("registry", "POST", "/academies")]
    assert decision is not None and calculation is not None and academy is not None
    assert role_for(decision) == DECIDER and role_for(calculation) == DECIDER
    assert role_for(academy) == EDITOR
    assert not decision <= ROLE_SCOPES[EDITOR] and not academy <= ROLE_SCOPES[DECIDER]


async def test_the_gateway_refuses_forged_tokens(tmp_path: Path) -> None:
    settings = GatewaySettings(**_kwargs(tmp_path))
    trusting(settings)
    app = gateway_app(settings)
    query = {"query": "{ __typename }"}
    async with (
        app.router.lifespan_context(app),
        httpx.AsyncClient(transport=httpx.ASGITransport(app), base_url="http://gw") as client,
    ):
        for name, bearer in forged().items():
            answer = await client.post(
                "/graphql", json=query, headers={"Authorization": f"Bearer {bearer}"}
            )
            assert answer.status_code == 401, f"{name}: {answer.status_code}"
        coordinator = await client.post(
            "/graphql",
            json=query,
            headers={"Authorization": f"Bearer {token(roles=(COORDINATOR,))}"},
        )
        assert coordinator.status_code == 401  # no ops role: no ops caller
        viewer = await client.post(
            "/graphql", json=query, headers={"Authorization": f"Bearer {token(roles=(VIEWER,))}"}
        )
        assert viewer.status_code == 200 and viewer.json()["data"] == {"__typename": "Query"}
