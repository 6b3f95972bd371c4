"""``sqtui sim``: serve the simulator on a loopback port until Ctrl-C."""

from __future__ import annotations

import argparse
import ipaddress
import shlex
import sys

from .app import create_app
from .config import SimConfig
from .server import bind_socket, make_server, quiet_uvicorn_logging, url_host


def _port(text: str) -> int:
    port = int(text)
    if not 0 <= port <= 65535:
        raise argparse.ArgumentTypeError("a port is 0-65535 (0: any free port)")
    return port


def _parser() -> argparse.ArgumentParser:
    defaults = SimConfig()
    parser = argparse.ArgumentParser(
        prog="sqtui sim",
        description="Serve a simulated Square Cloud API (loopback only unless --allow-remote).",
    )
    parser.add_argument("--host", default="127.0.0.1", help="address to listen on")
    parser.add_argument("--port", type=_port, default=8787, help="port (0: any free port)")
    parser.add_argument(
        "--allow-remote", action="store_true", help="allow a --host that is not loopback"
    )
    parser.add_argument("--api-key", default=defaults.api_key, help="the key clients must send")
    parser.add_argument("--speed", type=float, default=defaults.speed, help="time factor")
    parser.add_argument("--seed", type=int, default=defaults.seed)
    parser.add_argument("--plan", default=defaults.plan, help="e.g. free, hobby-2, standard-4")
    parser.add_argument("--apps", type=int, default=defaults.apps)
    parser.add_argument("--databases", type=int, default=defaults.databases)
    parser.add_argument(
        "--snapshots-per-resource", type=int, default=defaults.snapshots_per_resource
    )
    parser.add_argument(
        "--generation-seconds",
        type=float,
        default=defaults.generation_seconds,
        help="simulated seconds to generate a snapshot (over 90: the 202 path)",
    )
    parser.add_argument("--snapshot-mb", type=float, default=defaults.snapshot_mb)
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
    try:
        config = SimConfig(
            api_key=args.api_key,
            seed=args.seed,
            speed=args.speed,
            plan=args.plan,
            apps=args.apps,
            databases=args.databases,
            snapshots_per_resource=args.snapshots_per_resource,
            generation_seconds=args.generation_seconds,
            snapshot_mb=args.snapshot_mb,
        )
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
    server = make_server(create_app(config))
    try:
        server.run(sockets=[sock])
    except KeyboardInterrupt:
        pass
    finally:
        sock.close()
    return 0
