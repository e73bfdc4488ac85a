"""API keys are shown once, stored only as a hash, and resolve to their scope."""

from hugdata.api.runtime import ApiRuntime
from hugdata.tenants.keys import authenticate, issue_key
from hugdata.tenants.models import ApiKey, Tier
from hugdata.tenants.registry import register_project
from tests.helpers import postgres_spec


def test_issued_key_is_stored_hashed_and_authenticates_to_its_project(clean_platform: ApiRuntime) -> None:
    with clean_platform.sessions() as session:
        register_project(
            session,
            partitions=clean_platform.partitions,
            vault=clean_platform.vault,
            project_id="acme",
            name="Acme",
            tier=Tier.free,
            data_source=postgres_spec(),
        )
        issued = issue_key(session, project_id="acme")
        session.commit()
        secret = issued.token.rsplit("_", 1)[-1]
        stored = session.get(ApiKey, issued.key.id)
        assert stored is not None and secret not in stored.secret_sha256
        caller = authenticate(session, issued.token, admin_token=None)
        assert caller is not None and caller.project_id == "acme" and not caller.is_admin
        assert caller.may_access("acme") and not caller.may_access("other")


def test_tampered_or_unknown_tokens_do_not_authenticate(clean_platform: ApiRuntime) -> None:
    with clean_platform.sessions() as session:
        issued = issue_key(session, project_id=None)
        session.commit()
        assert authenticate(session, issued.token, admin_token=None).is_admin  # type: ignore[union-attr]
        assert authenticate(session, issued.token[:-1] + "x", admin_token=None) is None
        assert authenticate(session, "hdk_0000000000000000_nope", admin_token=None) is None
        assert authenticate(session, "garbage", admin_token=None) is None
        assert authenticate(session, "", admin_token="") is None
