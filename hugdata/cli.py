"""The `hugdata` command."""

from __future__ import annotations

import argparse
import json
import logging
import os
import sys

from hugdata.config import get_settings


def _db_upgrade(_: argparse.Namespace) -> int:
    from hugdata.migrations import upgrade_all

    upgrade_all(get_settings())
    print("hugdata and dagster databases are at head")
    return 0


def _reconcile(_: argparse.Namespace) -> int:
    from hugdata.db import make_engine, make_session_factory, resolve_platform_databases
    from hugdata.platform.instance import open_instance, prepare_dagster_home
    from hugdata.platform.partitions import DagsterPartitionStore
    from hugdata.tenants.reconcile import reconcile_partitions

    settings = get_settings()
    databases = resolve_platform_databases(settings)
    engine = make_engine(databases.hugdata_url, pool_size=1)
    instance = open_instance(prepare_dagster_home(settings, databases.dagster_url))
    with make_session_factory(engine)() as session:
        report = reconcile_partitions(session, partitions=DagsterPartitionStore(instance))
    print(json.dumps({"added": report.added, "removed": report.removed}))
    return 0


def _projects_list(_: argparse.Namespace) -> int:
    from hugdata.db import make_engine, make_session_factory, resolve_platform_databases
    from hugdata.tenants.registry import list_projects

    engine = make_engine(resolve_platform_databases(get_settings()).hugdata_url, pool_size=1)
    with make_session_factory(engine)() as session:
        after = None
        while page := list_projects(session, after=after, limit=500):
            for project in page:
                print(f"{project.id}\t{project.tier}\t{project.name}")
            after = page[-1].id
    return 0


def _reencrypt(_: argparse.Namespace) -> int:
    from hugdata.db import make_engine, make_session_factory, resolve_platform_databases
    from hugdata.tenants.rotation import reencrypt_credentials
    from hugdata.tenants.vault import CredentialVault

    settings = get_settings()
    engine = make_engine(resolve_platform_databases(settings).hugdata_url, pool_size=1)
    with make_session_factory(engine)() as session:
        count = reencrypt_credentials(session, CredentialVault(settings.fernet_keys()))
    engine.dispose()
    print(json.dumps({"reencrypted": count}))
    return 0


def _keys_revoke(args: argparse.Namespace) -> int:
    from hugdata.db import make_engine, make_session_factory, resolve_platform_databases
    from hugdata.tenants.audit import record
    from hugdata.tenants.errors import KeyNotFound
    from hugdata.tenants.keys import revoke_key

    settings = get_settings()
    engine = make_engine(resolve_platform_databases(settings).hugdata_url, pool_size=1)
    try:
        with make_session_factory(engine)() as session:
            try:
                key = revoke_key(session, key_id=args.key_id)
            except KeyNotFound as missing:
                print(str(missing), file=sys.stderr)
                return 1
            record(
                session,
                actor="cli",
                action="key.revoke",
                project_id=key.project_id,
                ref_key=settings.fernet_keys()[0],
                detail={"key_id": key.id},
            )
            session.commit()
            print(json.dumps({"key_id": key.id, "project_id": key.project_id, "revoked_at": str(key.revoked_at)}))
    finally:
        engine.dispose()
    return 0


def _admin_token(_: argparse.Namespace) -> int:
    token = get_settings().admin_token
    if token is None:
        print("no admin token configured", file=sys.stderr)
        return 1
    print(token.get_secret_value())
    return 0


def _exporter(args: argparse.Namespace) -> int:
    from hugdata.config import get_settings
    from hugdata.db import make_engine, make_session_factory, resolve_platform_databases
    from hugdata.observability.dagster_exporter import serve
    from hugdata.platform.instance import open_instance, prepare_dagster_home

    settings = get_settings()
    databases = resolve_platform_databases(settings)
    engine = make_engine(databases.hugdata_url, pool_size=2, connect_timeout_s=settings.db_connect_timeout_s)
    instance = open_instance(prepare_dagster_home(settings, databases.dagster_url))
    serve(instance, make_session_factory(engine), port=args.port)
    return 0


def _dev(args: argparse.Namespace) -> int:
    from hugdata.devstack import run_dev_stack

    return run_dev_stack(get_settings(), register_demos=not args.no_demo)


def _api(args: argparse.Namespace) -> int:
    from hugdata.api.serve import serve

    if args.log_level:
        os.environ["HUGDATA_LOG_LEVEL"] = args.log_level  # the app's own loggers, configured at start-up, follow it
        get_settings.cache_clear()
    settings = get_settings()
    serve(
        host=args.host or settings.api_host,
        port=args.port or settings.api_port,
        # uvicorn's access line and the platform's are info lines: below info, neither is written.
        access_log=not args.no_access_log and settings.log_level in ("info", "debug"),
        log_level=settings.log_level,
    )
    return 0


def _dashboard_link(args: argparse.Namespace) -> int:
    from hugdata.dashboard.sessions import mint_link, utcnow
    from hugdata.db import make_engine, make_session_factory, resolve_platform_databases
    from hugdata.tenants.models import Project

    settings = get_settings()
    engine = make_engine(resolve_platform_databases(settings).hugdata_url, pool_size=1)
    with make_session_factory(engine)() as session:
        if args.project_id and session.get(Project, args.project_id) is None:
            print(f"no project {args.project_id!r}", file=sys.stderr)
            return 1
        minted = mint_link(session, project_id=args.project_id, ttl=settings.dashboard_link_ttl, now=utcnow())
        session.commit()
    engine.dispose()
    print(f"{settings.resolved_public_url}/app/session?token={minted.token}")
    return 0


def _semantic_layer(args: argparse.Namespace) -> int:
    """Export a project's curated document as YAML, or import one (checked like the API's PUT)."""
    from pathlib import Path

    from pydantic import ValidationError

    from hugdata.catalog.store import latest_semantic_model
    from hugdata.db import make_engine, make_session_factory, resolve_platform_databases
    from hugdata.semantic_layer.checks import check_document
    from hugdata.semantic_layer.document import from_yaml, to_yaml
    from hugdata.semantic_layer.store import current_layer, write_layer
    from hugdata.tenants.audit import record
    from hugdata.tenants.models import Dialect, Project

    engine = make_engine(resolve_platform_databases(get_settings()).hugdata_url, pool_size=1)
    try:
        with make_session_factory(engine)() as session:
            project = session.get(Project, args.project_id)
            if project is None:
                print(f"no project {args.project_id!r}", file=sys.stderr)
                return 1
            current = current_layer(session, project.id)
            if args.sl_command == "export":
                Path(args.file).write_text(to_yaml(current.document))
                print(f"version {current.version} written to {args.file}")
                return 0
            try:
                document = from_yaml(Path(args.file).read_text())
            except (ValidationError, ValueError) as invalid:
                print(f"{args.file}: {invalid}", file=sys.stderr)
                return 1
            latest = latest_semantic_model(session, project.id)
            if latest is None:
                print(f"project {project.id!r} has no semantic model yet", file=sys.stderr)
                return 1
            problems = check_document(document, latest[1], dialect=Dialect(project.data_source.dialect))
            for problem in problems:
                print(f"{args.file}: {problem.path}: {problem.message}", file=sys.stderr)
            if problems:
                return 1
            stored = write_layer(session, project.id, document, if_match=current.etag, author="cli")
            record(session, actor="cli", action="semantic_layer.write", project_id=project.id,
                   ref_key=get_settings().fernet_keys()[0], detail={"version": stored.version})  # fmt: skip
            session.commit()
            print(f"version {stored.version} stored")
            return 0
    finally:
        engine.dispose()


def _web_build(args: argparse.Namespace) -> int:
    from hugdata.webapp.build import DashboardBuildFailed, build_dashboard

    try:
        build_dashboard(force=args.force)
    except DashboardBuildFailed as exc:
        print(exc, file=sys.stderr)
        return 1
    return 0


def _openapi(args: argparse.Namespace) -> int:
    from pathlib import Path

    from hugdata.webapp.build import write_openapi

    write_openapi(Path(args.out))
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="hugdata", description="HugData platform")
    commands = parser.add_subparsers(dest="command", required=True)
    dev = commands.add_parser("dev", help="run Postgres, Dagster webserver + daemon and the API locally")
    dev.add_argument("--no-demo", action="store_true", help="do not register the demo projects")
    dev.set_defaults(func=_dev)
    api = commands.add_parser("api", help="serve the API (uvicorn with the platform's request limits)")
    api.add_argument("--host", default=None, help="address to listen on; default HUGDATA_API_HOST")
    api.add_argument("--port", type=int, default=None, help="port to listen on; default HUGDATA_API_PORT")
    api.add_argument("--no-access-log", action="store_true", help="no line per request")
    api.add_argument(
        "--log-level",
        default=None,
        choices=["critical", "error", "warning", "info", "debug"],
        help="default HUGDATA_LOG_LEVEL (info)",
    )
    api.set_defaults(func=_api)
    db = commands.add_parser("db", help="platform database").add_subparsers(dest="db_command", required=True)
    db.add_parser("upgrade", help="migrate the hugdata and dagster databases").set_defaults(func=_db_upgrade)
    commands.add_parser("reconcile", help="repair registry/partition drift").set_defaults(func=_reconcile)
    exporter = commands.add_parser("exporter", help="serve the run-queue and tenant-health metrics for Prometheus")
    exporter.add_argument("--port", type=int, default=9102)
    exporter.set_defaults(func=_exporter)
    projects = commands.add_parser("projects", help="tenant registry").add_subparsers(dest="p_command", required=True)
    projects.add_parser("list", help="list registered projects").set_defaults(func=_projects_list)
    commands.add_parser("admin-token", help="print the local admin token").set_defaults(func=_admin_token)
    link = commands.add_parser("dashboard-link", help="print a one-time dashboard link (no project: the admin view)")
    link.add_argument("project_id", nargs="?", default=None)
    link.set_defaults(func=_dashboard_link)
    layer = commands.add_parser("semantic-layer", help="a project's curated semantic layer as YAML")
    layer_commands = layer.add_subparsers(dest="sl_command", required=True)
    for name, what in (("export", "write the document in force to FILE"), ("import", "check FILE and store it")):
        command = layer_commands.add_parser(name, help=what)
        command.add_argument("project_id")
        command.add_argument("file")
        command.set_defaults(func=_semantic_layer)
    web = commands.add_parser("web", help="the tenant dashboard").add_subparsers(dest="w_command", required=True)
    web_build = web.add_parser("build", help="build web/ into web/dist (skipped when nothing changed)")
    web_build.add_argument("--force", action="store_true", help="build even when nothing changed")
    web_build.set_defaults(func=_web_build)
    openapi = commands.add_parser("openapi", help="write the API's OpenAPI document")
    openapi.add_argument("--out", default="build/openapi.json")
    openapi.set_defaults(func=_openapi)
    keys = commands.add_parser("keys", help="API keys").add_subparsers(dest="k_command", required=True)
    revoke = keys.add_parser("revoke", help="revoke a key by its ID (the middle part of hdk_<id>_<secret>)")
    revoke.add_argument("key_id")
    revoke.set_defaults(func=_keys_revoke)
    secrets = commands.add_parser("secrets", help="stored credentials").add_subparsers(dest="s_command", required=True)
    secrets.add_parser(
        "reencrypt",
        help="re-encrypt every data-source password with the newest HUGDATA_ENCRYPTION_KEYS key (the first); "
        "afterwards the older keys can be dropped",
    ).set_defaults(func=_reencrypt)
    return parser


def main(argv: list[str] | None = None) -> int:
    """Entry point of the `hugdata` command."""
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    args = build_parser().parse_args(argv)
    return int(args.func(args))


if __name__ == "__main__":
    sys.exit(main())
