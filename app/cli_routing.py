"""``teranga simulate`` and ``teranga staffing``: the ACD's maths on the command line."""

from __future__ import annotations

import argparse
import json
from typing import Any

from app.errors import ActionError


def _positive(kind: type, name: str) -> Any:
    def parse(text: str) -> Any:
        try:
            value = kind(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{name} must be a number, got {text!r}") from None
        if value <= 0:
            raise argparse.ArgumentTypeError(f"{name} must be positive, got {text}")
        return value

    return parse


def _share(text: str) -> float:
    """'0.8', '80' or '80%' all mean 80 %."""
    try:
        value = float(text.rstrip("%"))
    except ValueError:
        raise argparse.ArgumentTypeError(f"service level must be a share, got {text!r}") from None
    value = value / 100 if value > 1 else value
    if not 0 < value < 1:
        raise argparse.ArgumentTypeError(f"service level must be between 0 and 100 %, got {text}")
    return value


def cmd_simulate(args: argparse.Namespace) -> int:
    from routing.errors import ConfigError
    from routing.simulator import simulate

    try:
        report = simulate(args.agents, args.arrivals_per_hour, args.aht_seconds,
                          args.target_seconds, args.hours, args.patience_seconds, args.seed)
    except ConfigError as exc:
        raise ActionError(str(exc)) from None
    result = report.as_dict()
    sl, ec = result["service_level"], result["erlang_c"]
    print(f"offered {result['offered']}, service level {sl:.1%} within {args.target_seconds:g} s "
          f"(Erlang C {ec['service_level']:.1%}), ASA {result['asa_seconds']:.1f} s, "
          f"abandons {result['abandon_rate']:.1%}, occupancy {result['occupancy']:.1%}")
    print(json.dumps(result))
    return 0


def cmd_staffing(args: argparse.Namespace) -> int:
    from routing.erlang import agents_needed, erlang_c_metrics
    from routing.errors import ConfigError
    from routing.staffing import hourly_rate_from_monthly

    try:
        if args.per_month is not None:
            rate = hourly_rate_from_monthly(args.per_month,
                                            working_days_per_month=args.working_days,
                                            open_hours_per_day=args.open_hours,
                                            peak_factor=args.peak_factor)
        elif args.arrivals_per_hour is not None:
            rate = args.arrivals_per_hour
        else:
            raise ActionError("give --arrivals-per-hour or --per-month")
        needed = agents_needed(rate, args.aht_seconds, args.service_level, args.target_seconds,
                               patience_seconds=args.patience_seconds)
        achieved = erlang_c_metrics(needed, rate, args.aht_seconds, args.target_seconds)
    except ConfigError as exc:
        raise ActionError(str(exc)) from None
    agents_on_roster = needed / (1 - args.shrinkage) if args.shrinkage else needed
    result = {
        "arrivals_per_hour": round(rate, 2),
        "aht_seconds": args.aht_seconds,
        "target": {"service_level": args.service_level, "seconds": args.target_seconds},
        "agents_needed": needed,
        "agents_to_roster": int(-(-agents_on_roster // 1)),
        "service_level": round(achieved.service_level, 4),
        "asa_seconds": round(achieved.asa_seconds, 2),
        "occupancy": round(achieved.occupancy, 4),
    }
    print(f"{needed} agents on the phones answer {args.service_level:.0%} within "
          f"{args.target_seconds:g} s ({rate:.1f} contacts/h, {args.aht_seconds:g} s each); "
          f"expected {achieved.service_level:.1%}, ASA {achieved.asa_seconds:.1f} s")
    print(json.dumps(result))
    return 0


def register(sub: Any) -> None:
    p = sub.add_parser("simulate", help="simulate a queue through the real routing engine")
    p.add_argument("--agents", type=_positive(int, "--agents"), required=True)
    p.add_argument("--arrivals-per-hour", type=_positive(float, "--arrivals-per-hour"),
                   required=True)
    p.add_argument("--aht-seconds", type=_positive(float, "--aht-seconds"), required=True)
    p.add_argument("--target-seconds", type=_positive(float, "--target-seconds"), required=True)
    p.add_argument("--hours", type=_positive(float, "--hours"), required=True)
    p.add_argument("--patience-seconds", type=_positive(float, "--patience-seconds"))
    p.add_argument("--seed", type=int)
    p.set_defaults(func=cmd_simulate)

    p = sub.add_parser("staffing", help="agents needed for a service-level target (Erlang C/A)")
    volume = p.add_mutually_exclusive_group(required=True)
    volume.add_argument("--arrivals-per-hour", type=_positive(float, "--arrivals-per-hour"))
    volume.add_argument("--per-month", type=_positive(float, "--per-month"),
                        help="contacts per month, spread over working days and open hours")
    p.add_argument("--aht-seconds", type=_positive(float, "--aht-seconds"), required=True)
    p.add_argument("--service-level", type=_share, default=0.8, help="e.g. 80 or 0.8")
    p.add_argument("--target-seconds", type=_positive(float, "--target-seconds"), default=20.0)
    p.add_argument("--patience-seconds", type=_positive(float, "--patience-seconds"),
                   help="customers' mean patience: use Erlang A")
    p.add_argument("--working-days", type=_positive(float, "--working-days"), default=22.0)
    p.add_argument("--open-hours", type=_positive(float, "--open-hours"), default=10.0)
    p.add_argument("--peak-factor", type=float, default=1.0)
    p.add_argument("--shrinkage", type=float, default=0.0,
                   help="share of paid time not on the phones (breaks, training)")
    p.set_defaults(func=cmd_staffing)
