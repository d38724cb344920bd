"""Differential test: the runner's Bot Framework JWT verification against botbuilder's.

For every case the same activity JSON and Authorization header go to Microsoft's
`JwtTokenValidation.authenticate_request` (pointed at the fake OpenID metadata and JWKS) and to
the runner's /teams/activities. botbuilder accepting (no exception) must mean 202 from the
runner; botbuilder raising must mean 401.

botbuilder needs no patching beyond `ChannelValidation.open_id_metadata_endpoint`: it fetches
`jwks_uri` from our metadata document, checks the key's `endorsements` against the activity's
`channelId`, the issuer, the algorithm (RS256 only), exp/nbf with 5 minutes of leeway, the
audience against the credential provider, and `serviceurl` against the activity's serviceUrl.

The core cases (valid, wrong audience/issuer, expired, nbf in the future, unknown
kid, alg none, HS256 keyed with the public PEM, serviceurl mismatch, missing header) all use
botbuilder as the oracle: it rejects each of them for the intended reason (checked against
botframework-connector 4.17.1's source and its exception messages).

Further cases still use botbuilder as the oracle where it follows
Microsoft's .NET SDK (ChannelValidation there also requires a non-empty `serviceurl` claim and
compares it with the activity's serviceUrl, ignoring case only): no `serviceurl` claim, an
empty one, one without the trailing slash, an unendorsed channel, a key that is not published,
RS384, a wrong scheme, skew within the 5 minutes.

Five further cases hit botbuilder quirks, so botbuilder is not the oracle there (QUIRKS below):
each asserts the runner's own expected verdict AND that botbuilder still behaves as described,
so a quirk never hides silently and the entry must be revisited when botbuilder changes.
"""

from __future__ import annotations

import asyncio
import datetime
import json
import time
import traceback

import pytest
from botbuilder.schema import Activity, ChannelAccount, ConversationAccount
from botframework.connector.auth import ChannelValidation, JwtTokenValidation, SimpleCredentialProvider

from harness_lib import bf_claims, make_rsa_key, mint_hs256, mint_rs256, mint_unsigned, unique

# case -> (runner's expected verdict, why botbuilder cannot be the oracle here, botbuilder's verdict)
QUIRKS: dict[str, tuple[bool, str, bool]] = {
    # botbuilder-python decodes with PyJWT's defaults, which check `exp` only when present, so
    # a token without `exp` (valid forever) is accepted. Microsoft's .NET SDK requires an
    # expiration time (RequireExpirationTime) and the runner rejects it: the runner is right.
    "no_exp": (False, "PyJWT does not require exp; botbuilder accepts a never-expiring token", True),
    # RFC 7519 allows `aud` to be an array; the token is for us when it contains our app id.
    # botbuilder-python compares the whole claim value with the app id as a string (a list
    # never equals it) and rejects. The Bot Framework itself sends a string, so the runner's
    # RFC reading (accept) is expected.
    "aud_list": (True, "botbuilder compares an array aud claim as a string and rejects it", False),
    # Microsoft's .NET SDK compares the serviceurl claim with StringComparison.OrdinalIgnoreCase;
    # botbuilder-python compares exactly. The SDKs disagree, the runner follows .NET (accept).
    "serviceurl_scheme_case": (True, "botbuilder-python compares serviceurl case-sensitively, .NET does not", False),
    # RFC 7519 NumericDate is a JSON number; PyJWT int()s a string exp and accepts it. The
    # runner rejects the malformed claim: the runner is right.
    "exp_as_string": (False, "PyJWT accepts a string exp by converting it with int()", True),
    # RFC 7235: credentials = auth-scheme 1*SP token68, so several spaces are allowed;
    # botbuilder splits the header on single spaces, gets three parts and rejects.
    "bearer_two_spaces": (True, "botbuilder splits Authorization on one space; RFC 7235 allows 1*SP", False),
}

_other_key = None


def other_key():
    global _other_key
    if _other_key is None:
        _other_key = make_rsa_key()
    return _other_key


def build_case(case: str, runner, rsa_key, service_url: str):
    """(Authorization header or None, activity) for one case."""
    app_id = runner.secrets.microsoft_app_id
    now = int(time.time())
    channel_id = "msteams"
    kid = rsa_key.kid
    key = rsa_key.private
    claims = bf_claims(app_id, service_url)
    header_fmt = "Bearer {}"
    token = None
    if case == "valid":
        pass
    elif case == "wrong_audience":
        claims["aud"] = "00000000-0000-0000-0000-someone-else"
    elif case == "wrong_issuer":
        claims["iss"] = "https://evil.example.com"
    elif case == "expired":
        claims.update(exp=now - 600, nbf=now - 4200, iat=now - 4200)
    elif case == "not_yet_valid":
        claims.update(nbf=now + 600, iat=now)
    elif case == "unknown_kid":
        kid = "no-such-kid"
    elif case == "alg_none":
        token = mint_unsigned(rsa_key.kid, claims)
    elif case == "hs256_with_public_pem":
        token = mint_hs256(rsa_key.public_pem, rsa_key.kid, claims)
    elif case == "serviceurl_mismatch":
        claims["serviceurl"] = service_url.replace("/bf/", "/elsewhere/")
    elif case == "missing_header":
        header_fmt = None
    # Further cases:
    elif case == "expired_within_skew":
        claims.update(exp=now - 120, nbf=now - 3600, iat=now - 3600)
    elif case == "nbf_within_skew":
        claims.update(nbf=now + 120, iat=now)
    elif case == "signed_by_unpublished_key":
        key = other_key().private  # same kid as the published key, different key
    elif case == "rs384":
        token = mint_rs256(rsa_key.private, rsa_key.kid, claims, alg="RS384")
    elif case == "no_serviceurl_claim":
        del claims["serviceurl"]
    elif case == "channel_not_endorsed":
        channel_id = "skype"
    elif case == "serviceurl_without_trailing_slash":
        claims["serviceurl"] = service_url.rstrip("/")
    elif case == "empty_serviceurl_claim":
        claims["serviceurl"] = ""
    elif case == "issuer_with_trailing_slash":
        claims["iss"] = "https://api.botframework.com/"
    elif case == "serviceurl_scheme_case":
        claims["serviceurl"] = service_url.replace("http://", "HTTP://")
    elif case == "exp_as_string":
        claims["exp"] = str(now + 3600)
    elif case == "bearer_two_spaces":
        header_fmt = "Bearer  {}"
    elif case == "no_exp":
        del claims["exp"]
    elif case == "aud_list":
        claims["aud"] = [app_id]
    elif case == "not_bearer_scheme":
        header_fmt = "Basic {}"
    else:
        raise AssertionError(case)
    if token is None:
        token = mint_rs256(key, kid, claims)
    header = header_fmt.format(token) if header_fmt else None
    activity = Activity(
        type="message",
        id=unique("act"),
        channel_id=channel_id,
        service_url=service_url,
        from_property=ChannelAccount(id=unique("29:user"), name="Ada"),
        recipient=ChannelAccount(id=f"28:{app_id}", name="harness bot"),
        conversation=ConversationAccount(id=unique("a:conv"), conversation_type="personal"),
        text="hi teams",
        timestamp=datetime.datetime.now(datetime.timezone.utc),
        channel_data={"tenant": {"id": "tenant-1"}},
    )
    return header, activity


CASES = [
    "valid", "wrong_audience", "wrong_issuer", "expired", "not_yet_valid", "unknown_kid",
    "alg_none", "hs256_with_public_pem", "serviceurl_mismatch", "missing_header",
    "expired_within_skew", "nbf_within_skew", "signed_by_unpublished_key", "rs384",
    "no_serviceurl_claim", "channel_not_endorsed", "not_bearer_scheme",
    "serviceurl_without_trailing_slash", "empty_serviceurl_claim", "issuer_with_trailing_slash",
    # botbuilder quirks (QUIRKS):
    "no_exp", "aud_list", "serviceurl_scheme_case", "exp_as_string", "bearer_two_spaces",
]


def botbuilder_verdict(activity: Activity, header, app_id: str, password: str):
    async def run():
        await JwtTokenValidation.authenticate_request(activity, header or "", SimpleCredentialProvider(app_id, password))

    try:
        asyncio.run(run())
        return True, "accepted"
    except Exception as e:  # any exception is a rejection
        return False, "".join(traceback.format_exception_only(type(e), e)).strip()


@pytest.mark.parametrize("case", CASES)
def test_teams_tokens_agree_with_botbuilder(case, runner, fake, rsa_key):
    ChannelValidation.open_id_metadata_endpoint = f"{fake.base}/bf/openid"
    service_url = f"{fake.base}/bf/"
    header, activity = build_case(case, runner, rsa_key, service_url)
    verdict, why = botbuilder_verdict(activity, header, runner.secrets.microsoft_app_id,
                                      runner.secrets.microsoft_app_password)
    expected = verdict
    if case in QUIRKS:
        expected, reason, bb = QUIRKS[case]
        assert verdict == bb, f"botbuilder no longer behaves as QUIRKS[{case!r}] says ({reason}): {why}"
    headers = {"Content-Type": "application/json"}
    if header is not None:
        headers["Authorization"] = header

    resp = runner.post("/teams/activities", json.dumps(activity.serialize()).encode(), headers)
    want = 202 if expected else 401
    oracle = f"QUIRK, botbuilder not the oracle: {QUIRKS[case][1]}; " if case in QUIRKS else ""
    print(f"{case}: botbuilder={'accept' if verdict else 'reject'} ({why}); runner={resp.status}")
    assert resp.status == want, (
        f"case {case}: {oracle}botbuilder {'accepted' if verdict else 'rejected'} ({why}); "
        f"runner answered {resp.status} {resp.body[:300]!r}, expected {want}"
    )
