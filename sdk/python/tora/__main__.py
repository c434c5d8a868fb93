"""`python -m tora sync [--spool-dir DIR] [--server-url URL] [--api-key KEY]`"""

from __future__ import annotations

import argparse
import sys
from typing import List, Optional

from . import __version__
from ._sync import sync


def main(argv: Optional[List[str]] = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tora", description="Tora Python SDK tools")
    parser.add_argument("--version", action="version", version="tora %s" % __version__)
    commands = parser.add_subparsers(dest="command", metavar="command")
    p = commands.add_parser("sync", help="upload log entries saved in the spool while the server was unreachable")
    p.add_argument("--spool-dir", help="spool directory (default: $TORA_SPOOL_DIR or ~/.tora/spool)")
    p.add_argument("--server-url", help="Tora API base URL, <origin>/api (default: the URL each run used)")
    p.add_argument("--api-key", help="API key (default: $TORA_API_KEY)")
    p.add_argument("--retry-timeout", type=float, help="seconds to keep retrying one batch (default: $TORA_RETRY_TIMEOUT or 60)")
    args = parser.parse_args(argv)
    if args.command != "sync":
        parser.print_help()
        return 2
    return sync(args.spool_dir, args.server_url, args.api_key, args.retry_timeout)


if __name__ == "__main__":
    sys.exit(main())
