"""Access tokens checked against the issuer's JWKS (docs/adr/0019), with keys made here: a
good token passes and names its principal; an expired one, one signed by another key, one
for another audience or from another issuer, an unsigned or HMAC one are refused; a key
the provider rotated in is fetched, but made-up key ids do not make us fetch again and
again."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time
from typing import Any

import httpx
import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat
from fastapi import FastAPI
from pydantic import SecretStr

from stemkit.access.auth import DECIDE, WRITE, Doorkeeper, TokenRefused
from stemkit.access.identity import DECIDER, VIEWER, Who
from stemkit.access.oidc import JwksVerifier, OidcConfig

ISSUER = "https://idp.example.test/realms/stem"
AUDIENCE = "stem-platform"


class Provider:
    """A signing key set and the JWKS endpoint that publishes it (in process)."""

    def __init__(self) -> None:
        self.keys: dict[str, rsa.RSAPrivateKey] = {}
        self.fetches = 0
        self.rotate()

    def rotate(self) -> str:
        kid = f"key-{len(self.keys) + 1}"
        self.keys[kid] = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        return kid

    @property
    def current(self) -> str:
        return list(self.keys)[-1]

    def jwks(self) -> dict[str, Any]:
        published = []
        for kid, key in self.keys.items():
            jwk = json.loads(jwt.algorithms.RSAAlgorithm.to_jwk(key.public_key()))
            published.append(jwk | {"kid": kid, "use": "sig", "alg": "RS256"})
        # Keycloak also publishes an encryption key: it must be left aside.
        enc = json.loads(jwt.algorithms.RSAAlgorithm.to_jwk(self.keys[self.current].public_key()))
        published.append(enc | {"kid": "enc-1", "use": "enc", "alg": "RSA-OAEP"})
        return {"keys": published}

    def handler(self, request: httpx.Request) -> httpx.Response:
        if request.url.path.endswith("/.well-known/openid-configuration"):
            return httpx.Response(
                200, json={"issuer": ISSUER, "jwks_uri": f"{ISSUER}/protocol/openid-connect/certs"}
            )
        self.fetches += 1
        return httpx.Response(200, json=self.jwks())

    def token(
        self, *, kid: str | None = None, key: Any = None, alg: str = "RS256", **claims: Any
    ) -> str:
        now = int(time.time())
        body = {
            "iss": ISSUER,
            "aud": [AUDIENCE, "account"],
            "sub": "8d6f-user",
            "iat": now,
            "exp": now + 300,
            "typ": "Bearer",
            "preferred_username": "ops-decider",
            "realm_access": {"roles": [DECIDER, "offline_access"]},
        } | claims
        body = {k: v for k, v in body.items() if v is not None}
        kid = kid or self.current
        return jwt.encode(body, key or self.keys[kid], algorithm=alg, headers={"kid": kid})


def _b64(value: dict[str, Any]) -> str:
    return base64.urlsafe_b64encode(json.dumps(value).encode()).decode().rstrip("=")


@pytest.fixture
def provider() -> Provider:
    return Provider()


@pytest.fixture
def verifier(provider: Provider) -> JwksVerifier:
    client = httpx.AsyncClient(transport=httpx.MockTransport(provider.handler))
    return JwksVerifier(OidcConfig(issuer=ISSUER, audience=AUDIENCE), client=client)


async def test_a_good_token_names_its_principal(provider: Provider, verifier: JwksVerifier) -> None:
    who = await verifier.principal_of(provider.token(academy_id="a-1"))
    assert (who.subject, who.name, who.via) == ("8d6f-user", "ops-decider", "oidc")
    assert who.roles == {DECIDER}  # the provider's other roles are not ours
    assert who.academy_id == "a-1"
    assert {WRITE, DECIDE} <= who.scopes


@pytest.mark.parametrize(
    ("claims", "why"),
    [
        ({"exp": int(time.time()) - 120}, "expired"),
        ({"aud": "another-api"}, "another audience"),
        ({"iss": "https://evil.example.test/realms/stem"}, "another issuer"),
        ({"exp": None}, "exp"),
        ({"aud": None}, "aud"),
        ({"typ": "ID"}, "not an access token"),
    ],
)
async def test_claims_that_do_not_hold_are_refused(
    provider: Provider, verifier: JwksVerifier, claims: dict[str, Any], why: str
) -> None:
    with pytest.raises(TokenRefused, match=why):
        await verifier.principal_of(provider.token(**claims))


async def test_a_token_signed_by_another_key_is_refused(
    provider: Provider, verifier: JwksVerifier
) -> None:
    stranger = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    with pytest.raises(TokenRefused, match="signature"):
        await verifier.principal_of(provider.token(key=stranger))  # the current kid, wrong key


async def test_unsigned_and_hmac_tokens_are_refused(
    provider: Provider, verifier: JwksVerifier
) -> None:
    good = provider.token()
    header, body, _ = good.split(".")
    unsigned = f"{_b64({'alg': 'none', 'typ': 'JWT'})}.{body}."
    with pytest.raises(TokenRefused, match="asymmetric"):
        await verifier.principal_of(unsigned)
    # HS256 keyed with the public key's bytes: the classic algorithm confusion.
    public = provider.keys[provider.current].public_key()
    pem = public.public_bytes(Encoding.PEM, PublicFormat.SubjectPublicKeyInfo)
    forged_head = _b64({"alg": "HS256", "kid": provider.current, "typ": "JWT"})
    signed = f"{forged_head}.{body}".encode()
    forged = f"{forged_head}.{body}." + base64.urlsafe_b64encode(
        hmac.new(pem, signed, hashlib.sha256).digest()
    ).decode().rstrip("=")
    with pytest.raises(TokenRefused, match="asymmetric"):
        await verifier.principal_of(forged)
    with pytest.raises(TokenRefused):
        await verifier.principal_of(f"{header}.{body}.AAAA")


async def test_a_rotated_key_is_fetched_and_made_up_kids_are_not_chased(
    provider: Provider, verifier: JwksVerifier
) -> None:
    await verifier.principal_of(provider.token())
    assert provider.fetches == 1
    verifier.min_refetch_seconds = 0  # the rotation comes "later"
    new_kid = provider.rotate()
    who = await verifier.principal_of(provider.token(kid=new_kid))
    assert who.subject == "8d6f-user" and provider.fetches == 2
    # The old key still verifies while it is published; no fetch for a key we know.
    await verifier.principal_of(provider.token(kid="key-1"))
    assert provider.fetches == 2
    verifier.min_refetch_seconds = 3600
    for n in range(5):
        with pytest.raises(TokenRefused, match="does not publish"):
            await verifier.principal_of(
                provider.token(kid=f"made-up-{n}", key=provider.keys[new_kid])
            )
    assert provider.fetches == 2  # a refetch at most once per min_refetch_seconds


async def test_the_doorkeeper_admits_provider_tokens_by_role(
    provider: Provider, verifier: JwksVerifier
) -> None:
    keeper = Doorkeeper(
        {"ops": (SecretStr("static-ops-token-0123456789abcdef"), {WRITE})}, verifier
    )
    app = FastAPI()

    @app.post("/decisions", dependencies=[keeper.require(WRITE, DECIDE)])
    async def decide(who: Who) -> dict[str, str]:
        return {"author": who.author}

    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:

        async def post(token: str) -> httpx.Response:
            return await client.post("/decisions", headers={"Authorization": f"Bearer {token}"})

        allowed = await post(provider.token())
        assert allowed.status_code == 200
        assert allowed.json() == {"author": "ops-decider <8d6f-user>"}
        viewer = await post(provider.token(realm_access={"roles": [VIEWER]}))
        assert viewer.status_code == 403
        expired = await post(provider.token(exp=int(time.time()) - 120))
        assert expired.status_code == 401 and "expired" in expired.json()["detail"]
