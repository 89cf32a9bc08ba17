"""`upkeep`: the command line. `upkeep --help` lists everything."""

from __future__ import annotations

import argparse
import logging
import signal
import sys
import threading

from bot import __version__
from bot.deps import Cli
from bot.settings import Settings, load_settings

log = logging.getLogger("upkeep")


def setup_logging(settings: Settings) -> None:
    logging.basicConfig(
        level=settings.log_level.upper(),
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    if settings.log_level.upper() != "DEBUG":
        # Every command upgrades first (`db upgrade` says so); the worker's ticks are not news.
        logging.getLogger("alembic").setLevel(logging.WARNING)
        logging.getLogger("apscheduler").setLevel(logging.WARNING)


def cmd_db_upgrade(cli: Cli, args) -> int:
    settings = cli.settings
    from bot.db import database_kind, upgrade

    logging.getLogger("alembic").setLevel(logging.INFO)  # the migrations it runs
    upgrade(settings.database_url, args.revision)
    print(f"database ({database_kind(settings.database_url)}) is at {args.revision}")
    return 0


def _require_credentials(settings: Settings, what: str) -> bool:
    if settings.has_slack_credentials:
        return True
    print(
        f"upkeep {what} needs Slack credentials: SLACK_BOT_TOKEN and SLACK_SIGNING_SECRET "
        "(or SLACK_APP_TOKEN for Socket Mode). See .env.example, or try `upkeep console --demo`.",
        file=sys.stderr,
    )
    return False


def serve(settings: Settings, *, with_worker: bool) -> int:
    from bot.db import upgrade
    from bot.runtime import build_runtime
    from bot.worker import Worker

    upgrade(settings.database_url)
    runtime = build_runtime(settings)
    runtime.bind_workspace()
    worker = Worker(runtime.deps).start() if with_worker else None
    if worker is not None:
        log.info("worker started; ticking every %s s, next at %s", *_cadence(worker))
    try:
        if settings.socket_mode:
            _socket(runtime)
        else:
            _http(runtime)
    finally:
        if worker is not None:
            log.info("stopping the worker: the tick in progress ends, unsent claims go back")
            worker.stop()
        log.info("stopping: making the Slack calls that answered requests deferred")
        runtime.app.after.close()
        log.info("stopped")
    return 0


def _http(runtime) -> None:
    from bot.web import make_server

    _stop_on_sigterm()
    server = make_server(runtime.web, "0.0.0.0", runtime.settings.port)
    log.info("serving Slack on :%s (POST /slack/events, GET /healthz)", server.effective_port)
    server.run()  # until SIGTERM or Ctrl-C; then it answers the requests in flight


def _stop_on_sigterm() -> None:
    """SIGTERM (how a platform stops a process, for a deploy or a restart) stops serving as
    Ctrl-C does, instead of killing the process: requests in flight are answered, and the Slack
    calls they deferred until after their answer (`bot.later`) are made before it exits."""

    def stop(_signum, _frame) -> None:
        raise SystemExit(0)

    signal.signal(signal.SIGTERM, stop)


def _until_stopped() -> None:
    """Block until SIGTERM or Ctrl-C (SIGINT)."""
    stop = threading.Event()
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, lambda _signum, _frame: stop.set())
    while not stop.wait(0.5):  # a timed wait: the handlers run between waits
        pass


def _socket(runtime) -> None:
    from slack_bolt.adapter.socket_mode import SocketModeHandler

    log.info("connecting to Slack in Socket Mode")
    handler = SocketModeHandler(runtime.app, runtime.settings.slack_app_token)
    handler.connect()
    log.info("connected to Slack in Socket Mode")
    try:
        _until_stopped()
    finally:
        handler.close()


def _cadence(worker) -> tuple[str, str]:
    """How often the worker ticks, and when next (after the catch-up tick it makes at once)."""
    following = worker.next_tick_at
    return f"{worker.every:g}", f"{following:%H:%M:%S} UTC" if following else "?"


def cmd_serve(cli: Cli, args) -> int:
    settings = cli.settings
    if not _require_credentials(settings, "serve"):
        return 2
    return serve(settings, with_worker=False)


def cmd_socket(cli: Cli, args) -> int:
    settings = cli.settings
    if not settings.slack_app_token:
        print("upkeep socket needs SLACK_APP_TOKEN (an xapp- token).", file=sys.stderr)
        return 2
    if not _require_credentials(settings, "socket"):
        return 2
    return serve(settings, with_worker=False)


def cmd_run(cli: Cli, args) -> int:
    settings = cli.settings
    """Web plus worker in one process; with no Slack credentials, the console with a demo team."""
    if not settings.has_slack_credentials:
        print(
            "No Slack credentials found (SLACK_BOT_TOKEN, SLACK_SIGNING_SECRET), so Upkeep opens "
            "its console with a demo team, in a database of its own that starts fresh each run "
            "(DATABASE_URL is left alone).\nSet them (see .env.example) to serve Slack instead.\n"
        )
        from bot.console.console import run_console

        return run_console(settings, demo=True)
    return serve(settings, with_worker=True)


def cmd_worker(cli: Cli, args) -> int:
    settings = cli.settings
    from bot.db import upgrade
    from bot.runtime import build_runtime
    from bot.worker import Worker

    if not settings.slack_bot_token:
        print("upkeep worker needs SLACK_BOT_TOKEN to post. See .env.example.", file=sys.stderr)
        return 2
    upgrade(settings.database_url)
    runtime = build_runtime(settings)
    runtime.bind_workspace()
    worker = Worker(runtime.deps).start()
    log.info("worker started; ticking every %s s, next at %s", *_cadence(worker))
    try:
        _until_stopped()
    finally:
        log.info("stopping: the tick in progress ends, and what it has not sent goes back")
        worker.stop()
        runtime.engine.dispose()
        log.info("stopped")
    return 0


def cmd_status(cli: Cli, args) -> int:
    settings = cli.settings
    """Version, database and the worker's last tick; exit status 1 when something is wrong."""
    from bot.clock import clock_for
    from bot.db import database_kind, make_engine, make_session_factory, ping
    from bot.render import worker_status
    from models.core.runtime import worker_health

    kind = database_kind(settings.database_url)
    engine = make_engine(settings.database_url)
    try:
        if not ping(engine):
            print(f"Upkeep {__version__}\nDatabase: {kind}, unreachable")
            return 1
        with make_session_factory(engine)() as db:
            now = clock_for(settings.clock_start).now()
            health = worker_health(db, now, settings.worker_tick_seconds)
    except Exception as e:  # not migrated yet, most likely
        print(f"Upkeep {__version__}\nDatabase: {kind}, not readable ({type(e).__name__})")
        return 1
    finally:
        engine.dispose()
    print(f"Upkeep {__version__}\nDatabase: {kind}\nWorker: {worker_status(health, 'UTC')}")
    return 0 if health.ticking else 1


def cmd_console(cli: Cli, args) -> int:
    settings = cli.settings
    from bot.console.console import run_console

    return run_console(settings, demo=args.demo, keep=args.keep)


def cmd_import(cli: Cli, args) -> int:
    """Upsert from a YAML file in one transaction; print what was created, changed, left alone."""
    import yaml

    from models.config import import_config
    from models.core.config import config_documents
    from models.core.errors import UserError

    try:
        with open(args.file, encoding="utf-8") as f:
            documents = config_documents(f)
    except OSError as e:
        print(f"cannot read {args.file}: {e.strerror}", file=sys.stderr)
        return 2
    except yaml.YAMLError as e:
        print(f"{args.file} is not valid YAML: {e}", file=sys.stderr)
        return 2
    now = cli.clock.now()
    try:
        with cli.transaction() as (db, workspace):
            importer = importers().get(args.format)
            if importer is None:
                if len(documents) > 1:
                    raise UserError("the config file must be a single YAML document")
                data = documents[0] if documents else {}
                report = import_config(db, workspace, data, now, cli.user_lookup())
            else:
                report = importer(db, workspace, documents, now=now, lookup=cli.user_lookup())
    except UserError as e:
        print(f"error: {e.message}\nnothing was applied", file=sys.stderr)
        return 1
    for line in report.lines():
        print(line)
    return 0


def cmd_export(cli: Cli, args) -> int:
    import yaml

    from models.config import export_config

    with cli.transaction() as (db, workspace):
        data = export_config(db, workspace)
    text = yaml.safe_dump(data, sort_keys=False, allow_unicode=True)
    if args.output and args.output != "-":
        with open(args.output, "w", encoding="utf-8") as f:
            f.write(text)
    else:
        sys.stdout.write(text)
    return 0


def importers() -> dict:
    """Formats besides the config file: NAME -> fn(db, workspace, documents, *, now, lookup)."""
    from models.catalog.config import import_backstage
    from models.slos.imports import import_openslo, import_sloth

    return {"backstage": import_backstage, "sloth": import_sloth, "openslo": import_openslo}


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="upkeep", description="Upkeep: a Slack bot for a backend team's operational checklist."
    )
    parser.add_argument("--version", action="version", version=f"upkeep {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

    db = sub.add_parser("db", help="database tasks")
    dbsub = db.add_subparsers(dest="db_command", metavar="TASK", required=True)
    up = dbsub.add_parser("upgrade", help="run migrations up to the newest revision")
    up.add_argument("revision", nargs="?", default="head")
    up.set_defaults(func=cmd_db_upgrade)

    sub.add_parser("serve", help="serve Slack over HTTP").set_defaults(func=cmd_serve)
    sub.add_parser("socket", help="connect to Slack in Socket Mode").set_defaults(func=cmd_socket)
    sub.add_parser("worker", help="run the scheduler").set_defaults(func=cmd_worker)
    sub.add_parser(
        "status", help="version, database and the worker's last tick (exit 1 if stale)"
    ).set_defaults(func=cmd_status)
    sub.add_parser(
        "run", help="web and worker in one process (the console when Slack isn't configured)"
    ).set_defaults(func=cmd_run)
    console = sub.add_parser("console", help="a local workspace in the terminal, no Slack needed")
    console.add_argument("--demo", action="store_true", help="seed a small example team")
    console.add_argument(
        "--keep",
        metavar="FILE",
        help="keep the console's own database in this SQLite file between runs (else it starts "
        "fresh each time); the console never uses DATABASE_URL",
    )
    console.set_defaults(func=cmd_console)

    imp = sub.add_parser("import", help="upsert teams, rotations, services, rituals from YAML")
    imp.add_argument("file", help="the YAML file")
    imp.add_argument(
        "--format",
        default="upkeep",
        choices=["upkeep", *importers()],
        help="upkeep (default: the config file), backstage (catalog-info.yaml descriptors), "
        "sloth (Sloth's prometheus/v1 SLO spec) or openslo (OpenSLO v1 SLO and SLI documents)",
    )
    imp.add_argument(
        "--backstage",
        dest="format",
        action="store_const",
        const="backstage",
        help="the same as --format backstage",
    )
    for name in ("sloth", "openslo"):
        imp.add_argument(
            f"--{name}",
            dest="format",
            action="store_const",
            const=name,
            help=f"the same as --format {name}",
        )
    imp.set_defaults(func=cmd_import)
    exp = sub.add_parser("export", help="write the configuration as YAML")
    exp.add_argument("-o", "--output", help="a file (default: standard output)")
    exp.set_defaults(func=cmd_export)

    from bot.features import FEATURES

    for feature in FEATURES:
        if feature.cli is not None:
            feature.cli(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "func", None):
        parser.print_help()
        return 0
    settings = load_settings()
    setup_logging(settings)
    from bot.features import FEATURES

    cli = Cli(settings, FEATURES)
    try:
        return args.func(cli, args) or 0
    finally:
        cli.close()


if __name__ == "__main__":
    sys.exit(main())
