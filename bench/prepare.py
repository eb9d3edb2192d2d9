"""`python -m bench.prepare --size 10k`: in a process whose DATABASE_URL is the target's, report whether its
data is current (exit 0, JSON on stdout) or not (exit 2); with --generate, migrate and fill it."""

from __future__ import annotations

import argparse
import json
import sys

import django

CURRENT, STALE = 0, 2


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--size", type=int, required=True)
    parser.add_argument("--seed", type=int, required=True)
    parser.add_argument("--generate", action="store_true")
    args = parser.parse_args()
    django.setup()
    from django.core.management import call_command
    from django.db import OperationalError

    from bench import generate

    if not args.generate:
        try:
            meta = generate.read_meta()
        except OperationalError:  # no such database yet
            return STALE
        wanted = {"size": args.size, "seed": args.seed, "version": generate.GENERATOR_VERSION}
        if meta is None or any(meta[key] != value for key, value in wanted.items()):
            return STALE
        call_command("migrate", verbosity=0)  # a migration added since (an index, say) applies to the data as it is
        print(json.dumps({"reused": True, "generated_at": meta["generated_at"].isoformat(),
                          "tables": generate.table_sizes()}))  # fmt: skip
        return CURRENT
    call_command("migrate", verbosity=0)
    report = generate.generate(args.size, args.seed, progress=lambda line: print(line, file=sys.stderr, flush=True))
    print(json.dumps({"reused": False, **report}))
    return CURRENT


if __name__ == "__main__":
    sys.exit(main())
