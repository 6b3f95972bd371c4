"""``sqtui sim``: serve the simulator on a loopback port until Ctrl-C."""

from __future__ import annotations

import argparse
import ipaddress
import shlex
import sys

from .access import SCOPES
from .app import create_app
from .config import MAX_AUTOMATIC_SNAPSHOTS, MAX_FILES_PER_APP, RESOURCE_STATES, SimConfig
from .server import bind_socket, make_server, quiet_uvicorn_logging, url_host


def _port(text: str) -> int:
    port = int(text)
    if not 0 <= port <= 65535:
        raise argparse.ArgumentTypeError("a port is 0-65535 (0: any free port)")
    return port


class _Help(argparse.ArgumentDefaultsHelpFormatter):
    """Shows every option's default, in words where the value itself says nothing."""

    def _get_help_string(self, action: argparse.Action) -> str | None:
        text = action.help or ""
        return text if "default:" in text else super()._get_help_string(action)


def _names(text: str) -> tuple[str, ...]:
    return tuple(name.strip() for name in text.split(",") if name.strip())


def _state(text: str) -> tuple[str, str]:
    target, equals, state = text.rpartition("=")
    if not equals or not target or state not in RESOURCE_STATES:
        raise argparse.ArgumentTypeError(
            f"expected NAME_OR_ID=STATE with STATE one of {', '.join(RESOURCE_STATES)}"
        )
    return target, state


def _parser() -> argparse.ArgumentParser:
    defaults = SimConfig()
    parser = argparse.ArgumentParser(
        prog="sqtui sim",
        description="Serve a simulated Square Cloud API (loopback only unless --allow-remote).",
        formatter_class=_Help,
    )
    add = parser.add_argument
    add("--host", default="127.0.0.1", help="address to listen on")
    add("--port", type=_port, default=8787, help="port (0: any free port)")
    add("--allow-remote", action="store_true", help="allow a --host that is not loopback")
    add(
        "--api-key",
        default=defaults.api_key,
        help="the key clients must send; its part before the first '-' is the account id",
    )
    add(
        "--key-scopes",
        type=_names,
        default=None,
        metavar="SCOPE,...",
        help=f"limit the key to these scopes (of {', '.join(SCOPES)}) (default: all)",
    )
    add(
        "--key-resources",
        type=_names,
        default=None,
        metavar="ID_OR_NAME,...",
        help="limit the key to these resources (default: all)",
    )
    add("--speed", type=float, default=defaults.speed, help="time factor for every duration")
    add("--seed", type=int, default=defaults.seed, help="fixes the account (not URL signatures)")
    add("--plan", default=defaults.plan, help="e.g. free, hobby-2, standard-4, enterprise-16")
    add("--apps", type=int, default=defaults.apps, help="applications in the account")
    add("--databases", type=int, default=defaults.databases, help="databases in the account")
    add(
        "--snapshots-per-resource",
        type=int,
        default=defaults.snapshots_per_resource,
        help="automatic snapshots already taken, one a day; at most "
        f"{MAX_AUTOMATIC_SNAPSHOTS}, as snapshots are kept 30 days (more is capped, with a note)",
    )
    add(
        "--resource-state",
        type=_state,
        action="append",
        default=[],
        metavar="NAME_OR_ID=STATE",
        help=f"start a resource {'/'.join(RESOURCE_STATES)}, repeatable (default: as seeded)",
    )
    add(
        "--generation-seconds",
        type=float,
        default=defaults.generation_seconds,
        help="simulated seconds to generate a snapshot (over 90: the 202 path)",
    )
    add(
        "--restore-seconds",
        type=float,
        default=defaults.restore_seconds,
        help="simulated seconds a restore lasts",
    )
    add(
        "--listing-cache-seconds",
        type=float,
        default=defaults.listing_cache_seconds,
        help="simulated seconds a listing answer is cached (a new snapshot shows up late)",
    )
    add(
        "--latency-ms",
        type=float,
        default=defaults.latency_ms,
        help="delay before every API and download answer, like a real network",
    )
    add(
        "--snapshot-mb",
        type=float,
        default=defaults.snapshot_mb,
        help="approximate size of each snapshot in MiB",
    )
    add(
        "--files-per-app",
        type=int,
        default=None,
        help=f"files in each application snapshot, up to {MAX_FILES_PER_APP} (default: tens "
        "to thousands, from the seed and --snapshot-mb)",
    )
    add(
        "--hostile-names",
        action="store_true",
        help="add members named ../x, /etc/passwd, markup and escape codes to every archive",
    )
    add(
        "--host-ignores-range",
        action="store_true",
        help="the download host answers every GET with the whole file (200), ignoring Range",
    )
    return parser


def _is_loopback_host(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def main(argv: list[str]) -> int:
    """Run ``sqtui sim`` with ``argv``; 0 after Ctrl-C, 2 on bad arguments, 1 if it cannot bind."""
    parser = _parser()
    args = parser.parse_args(argv)
    if not args.allow_remote and not _is_loopback_host(args.host):
        parser.error(f"--host {args.host} is not loopback; add --allow-remote to serve it")
    snapshots = args.snapshots_per_resource
    if snapshots > MAX_AUTOMATIC_SNAPSHOTS:
        print(
            f"sqtui sim: --snapshots-per-resource {snapshots} capped at "
            f"{MAX_AUTOMATIC_SNAPSHOTS}: snapshots are kept 30 days, one automatic a day",
            file=sys.stderr,
        )
        snapshots = MAX_AUTOMATIC_SNAPSHOTS
    try:
        config = SimConfig(
            api_key=args.api_key,
            seed=args.seed,
            speed=args.speed,
            plan=args.plan,
            apps=args.apps,
            databases=args.databases,
            snapshots_per_resource=snapshots,
            generation_seconds=args.generation_seconds,
            restore_seconds=args.restore_seconds,
            snapshot_mb=args.snapshot_mb,
            key_scopes=args.key_scopes,
            key_resources=args.key_resources,
            resource_states=dict(args.resource_state),
            listing_cache_seconds=args.listing_cache_seconds,
            latency_ms=args.latency_ms,
            files_per_app=args.files_per_app,
            hostile_names=args.hostile_names,
            host_ignores_range=args.host_ignores_range,
        )
        app = create_app(config)
    except ValueError as error:
        parser.error(str(error))
    try:
        sock = bind_socket(args.host, args.port)
    except OSError as error:
        print(f"sqtui sim: cannot listen on {args.host}:{args.port}: {error}", file=sys.stderr)
        return 1
    base_url = f"http://{url_host(args.host)}:{sock.getsockname()[1]}/v2"
    key = shlex.quote(f"Authorization: {config.api_key}")
    print(f"sqtui sim: a simulated Square Cloud API for {config.account_name} ({config.plan})")
    print(f"  base URL: {base_url}")
    print(f"  API key:  {config.api_key}")
    print(f"  try:      curl -H {key} {base_url}/users/me")
    print(f"  control:  {base_url.removesuffix('/v2')}/__sim__/events")
    print("Press Ctrl-C to stop.", flush=True)
    quiet_uvicorn_logging()
    server = make_server(app)
    try:
        server.run(sockets=[sock])
    except KeyboardInterrupt:
        pass
    finally:
        sock.close()
    return 0
