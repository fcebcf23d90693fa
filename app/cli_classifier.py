"""``teranga classifier eval | train | versions | activate``."""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

from app.errors import ActionError


def cmd_eval(args: argparse.Namespace) -> int:
    from classifier import DataError
    from classifier.evaluate import eval_csv

    for path in (args.train, args.test):
        if not Path(path).is_file():
            raise ActionError(f"no such file: {path}")
    try:
        result = eval_csv(args.train, args.test, text_column=args.text_column,
                          label_column=args.label_column)
    except DataError as exc:
        raise ActionError(str(exc)) from None
    print(f"accuracy {result['accuracy']:.4f}, macro-F1 {result['macro_f1']:.4f} on "
          f"{result['n_test']} messages; trained on {result['n_train']} in "
          f"{result['train_seconds']:.1f} s; {result['predict_us_per_item']:.0f} µs per message")
    print(json.dumps(result))
    return 0


def _context() -> Any:
    from app.config import Settings
    from app.context import build_context

    return build_context(Settings())


def cmd_train(args: argparse.Namespace) -> int:
    from app.actions.learning import train_by_slug

    result = train_by_slug(_context(), args.tenant)
    figures = result.evaluation or {}
    print(f"tenant {args.tenant}: model v{result.version} on {result.n_examples} examples, "
          f"{len(result.labels)} groups, cross-validated accuracy "
          f"{figures.get('accuracy', float('nan')):.3f}, {result.train_seconds} s")
    print(json.dumps({"version": result.version, "n_examples": result.n_examples,
                      "labels": result.labels, "evaluation": result.evaluation}))
    return 0


def _store(slug: str) -> Any:
    from sqlmodel import select

    from app.models import Tenant
    from classifier import ModelStore

    ctx = _context()
    with ctx.read_session() as s:
        tenant = s.exec(select(Tenant).where(Tenant.slug == slug)).first()
    if tenant is None or tenant.id is None:
        raise ActionError(f"tenant '{slug}' not found")
    return ModelStore(ctx.classifiers.store_dir(tenant.id))


def cmd_versions(args: argparse.Namespace) -> int:
    store = _store(args.tenant)
    active = store.active()
    rows = []
    for item in store.history():
        ev = item.metadata.get("evaluation") or {}
        mark = "*" if item.version == active else " "
        print(f"{mark} v{item.version}  {item.metadata.get('trained_at', '?')[:19]}  "
              f"{item.metadata.get('n_examples', '?')} examples  accuracy "
              f"{ev.get('accuracy', float('nan')):.3f}")
        rows.append({"version": item.version, "active": item.version == active,
                     "evaluation": ev})
    if not rows:
        print(f"tenant {args.tenant}: no model yet; routing on keywords alone")
    print(json.dumps(rows))
    return 0


def cmd_activate(args: argparse.Namespace) -> int:
    from classifier import ModelFormatError

    store = _store(args.tenant)
    try:
        version = store.rollback() if args.version is None else args.version
        if args.version is not None:
            store.activate(version)
    except KeyError as exc:
        raise ActionError(str(exc).strip("'\"")) from None
    except ModelFormatError as exc:
        raise ActionError(f"refused: {exc}") from None
    print(f"tenant {args.tenant}: model v{version} active (processes pick it up within 30 s)")
    return 0


def register(sub: Any) -> None:
    group = sub.add_parser("classifier", help="train, evaluate and roll back classifiers")
    cmds = group.add_subparsers(dest="classifier_command", required=True)
    p = cmds.add_parser("eval", help="train on one CSV, score on another (JSON last line)")
    p.add_argument("--train", required=True)
    p.add_argument("--test", required=True)
    p.add_argument("--text-column", default="text")
    p.add_argument("--label-column", default="label")
    p.set_defaults(func=cmd_eval)
    p = cmds.add_parser("train", help="retrain a tenant's model from its agents' decisions")
    p.add_argument("--tenant", required=True, metavar="SLUG")
    p.set_defaults(func=cmd_train)
    p = cmds.add_parser("versions", help="a tenant's model versions and their figures")
    p.add_argument("--tenant", required=True, metavar="SLUG")
    p.set_defaults(func=cmd_versions)
    p = cmds.add_parser("activate", help="activate a version, or roll back one")
    p.add_argument("--tenant", required=True, metavar="SLUG")
    p.add_argument("--version", type=int, help="default: the one before the active")
    p.set_defaults(func=cmd_activate)
