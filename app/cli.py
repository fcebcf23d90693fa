"""``teranga``: the command line (see the contract for the public commands)."""

from __future__ import annotations

import argparse
import json
import logging
import sys
from collections.abc import Sequence

from rich.console import Console

from app.config import Settings
from app.errors import ActionError

console = Console(stderr=False, highlight=False)
err = Console(stderr=True, highlight=False)


def cmd_migrate(args: argparse.Namespace) -> int:
    from app.migrate import current, upgrade

    settings = Settings()
    upgrade(settings.database_url)
    console.print(f"schema at revision {current(settings.database_url)}")
    return 0


def cmd_serve(args: argparse.Namespace) -> int:
    import uvicorn

    from app.api.main import create_app
    from app.context import build_context
    from app.observability import configure_logging

    settings = Settings()
    if args.no_workers:
        settings.workers = False
    ctx = build_context(settings)
    app = create_app(ctx, freeze_startup=True)
    console.print(f"Teranga on http://{args.host}:{args.port} ({ctx.dialect})")
    configure_logging(settings.log_json, getattr(logging, args.log_level.upper(), logging.INFO))
    # Our own access log carries the request id; uvicorn's would say it twice.
    uvicorn.run(app, host=args.host, port=args.port, log_level=args.log_level,
                proxy_headers=True, ws_ping_interval=20, ws_ping_timeout=20, access_log=False,
                ws_per_message_deflate=settings.ws_deflate, log_config=None)
    return 0


def cmd_demo(args: argparse.Namespace) -> int:
    from app.context import build_context
    from app.demo import seed_demo

    logins = seed_demo(build_context(Settings()))
    console.print("Demo tenant 'demo' is ready. Log in at "
                  f"{Settings().base_url}/login with:")
    for email, password, role in logins:
        console.print(f"  {role:<10} {email:<32} {password}")
    return 0


def cmd_users_create(args: argparse.Namespace) -> int:
    from app.actions.users import create_user
    from app.context import build_context

    password = None
    if args.password_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
        if not password:
            raise ActionError("no password on standard input")
    skills: dict[str, int] = {}
    for item in args.skill or []:
        name, _, level = item.rpartition("=")
        if not name or not level.isdigit():
            raise ActionError(f"--skill takes GROUP=LEVEL, got '{item}'")
        skills[name] = int(level)
    user = create_user(build_context(Settings()), None, email=args.email, name=args.name,
                       role=args.role, password=password, tenants=args.tenant or [],
                       skills=skills)
    console.print(f"created user {user.id} {user.email} ({user.role})")
    return 0


def cmd_token(args: argparse.Namespace) -> int:
    from app.actions.users import issue_token
    from app.context import build_context

    token = issue_token(build_context(Settings()), args.email, name=args.name)
    print(token)
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="teranga", description=__doc__)
    parser.add_argument("-v", "--verbose", action="store_true")
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("migrate", help="create or upgrade the schema")
    p.set_defaults(func=cmd_migrate)

    p = sub.add_parser("serve", help="API, UI, websockets and workers in one process")
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, default=8000)
    p.add_argument("--no-workers", action="store_true", help="serve only; no background jobs")
    p.add_argument("--log-level", default="info")
    p.set_defaults(func=cmd_serve)

    p = sub.add_parser("demo", help="seed the demo tenant (idempotent) and print the logins")
    p.set_defaults(func=cmd_demo)

    users = sub.add_parser("users", help="manage users").add_subparsers(dest="users_command",
                                                                        required=True)
    p = users.add_parser("create", help="create a user")
    p.add_argument("--email", required=True)
    p.add_argument("--name", required=True)
    p.add_argument("--role", required=True, choices=["agent", "supervisor", "admin"])
    p.add_argument("--tenant", action="append", metavar="SLUG")
    p.add_argument("--skill", action="append", metavar="GROUP=LEVEL")
    p.add_argument("--password-stdin", action="store_true")
    p.set_defaults(func=cmd_users_create)

    p = sub.add_parser("token", help="print a new API token for a user (last line)")
    p.add_argument("--email", required=True)
    p.add_argument("--name", default="cli")
    p.set_defaults(func=cmd_token)

    from app import cli_classifier, cli_routing

    cli_routing.register(sub)
    cli_classifier.register(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.DEBUG if args.verbose else logging.WARNING,
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    try:
        result: int = args.func(args)
        return result
    except ActionError as exc:
        err.print(f"error: {exc.detail}")
        return 2
    except KeyboardInterrupt:
        return 130


def print_json(data: object) -> None:
    """Machine-readable result: always the last line of output."""
    print(json.dumps(data))


if __name__ == "__main__":
    raise SystemExit(main())
