"""The `helpline` command."""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import sys
from collections.abc import Sequence

from bot.settings import Settings, get_settings
from bot.supervisor import StartFailed, stderr_progress

log = logging.getLogger("bot.cli")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="helpline",
        description="A confidential helpline bot for people affected by trafficking "
        "and forced labour.",
    )
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    run = commands.add_parser(
        "run",
        help="run the helpline: Rasa engine, action server and gateway",
        description="Start the Rasa engine and the action server, then the Telegram gateway "
        "(with HELPLINE_TELEGRAM_TOKEN) or the console chat (without).",
    )
    run.add_argument(
        "--console", action="store_true", help="chat in this terminal even with a token"
    )

    chat = commands.add_parser(
        "chat",
        help="chat with the helpline in the terminal",
        description="Chat through the same path as Telegram. With --json, or when stdin is not a "
        "terminal, read one turn per line and print one JSON object per turn.",
    )
    chat.add_argument("--json", action="store_true", help="JSON lines in and out")
    chat.add_argument("--language", metavar="CODE", help="the language to talk in (en, es, ...)")
    chat.add_argument("--user", metavar="NAME", default="console", help="a simulated user")

    train = commands.add_parser(
        "train",
        help="train the Rasa model if its inputs changed",
        description="Train the NLU and dialogue model from nlu/; skipped when a model for the "
        "current inputs exists.",
    )
    train.add_argument("--force", action="store_true", help="train even if nothing changed")

    db = commands.add_parser("db", help="database tasks", description="Database tasks.")
    db_commands = db.add_subparsers(dest="db_command", required=True, metavar="TASK")
    db_commands.add_parser(
        "upgrade",
        help="bring the schema to the latest migration",
        description="Apply the Alembic migrations to HELPLINE_DATABASE_URL (SQLite by default).",
    )

    purge = commands.add_parser(
        "purge",
        help="delete data past its retention time, now",
        description="Delete idle conversation state, old message ids and Rasa's idle "
        "conversations (the helpline also does this every HELPLINE_PURGE_INTERVAL_MINUTES); "
        "print how many went from each store. See docs/privacy.md.",
    )
    purge.add_argument("--dry-run", action="store_true", help="count only, delete nothing")

    keys = commands.add_parser(
        "keys", help="encryption keys", description="Encryption keys for data at rest."
    )
    keys_commands = keys.add_subparsers(dest="keys_command", required=True, metavar="TASK")
    keys_commands.add_parser(
        "new",
        help="print a fresh key, and how to rotate to it",
        description="Print a new Fernet key for HELPLINE_ENCRYPTION_KEY.",
    )
    keys_commands.add_parser(
        "rotate",
        help="re-encrypt stored data with the newest key",
        description="Re-encrypt every encrypted value with the first key of "
        "HELPLINE_ENCRYPTION_KEY, so older keys can be removed.",
    )

    nlu = commands.add_parser("nlu", help="NLU tools", description="NLU tools.")
    nlu_commands = nlu.add_subparsers(dest="nlu_command", required=True, metavar="TASK")
    parse = nlu_commands.add_parser(
        "parse",
        help="classify utterances, one per line",
        description="Read utterances one per line and print intent, confidence and entities; "
        "the model is loaded once.",
    )
    parse.add_argument("--json", action="store_true", help="print one JSON object per line")
    parse.add_argument("input", nargs="?", default="-", help="a file, or - for stdin (default)")

    language = commands.add_parser("language", help="languages", description="Languages.")
    language_commands = language.add_subparsers(
        dest="language_command", required=True, metavar="TASK"
    )
    add = language_commands.add_parser(
        "add",
        help="add a language: catalog, training data, test set, crisis lexicon",
        description="Register a language and create its files from the English ones, marked "
        "for translation. See docs/adding-a-language.md.",
    )
    add.add_argument("code", help="ISO 639-1 code, e.g. my")
    add.add_argument("autonym", help="the language's name in itself, e.g. မြန်မာ")
    add.add_argument("--rtl", action="store_true", help="written right to left")

    evaluate = commands.add_parser("eval", help="evaluation", description="Evaluation.")
    eval_commands = evaluate.add_subparsers(dest="eval_command", required=True, metavar="TASK")
    eval_nlu = eval_commands.add_parser(
        "nlu",
        help="per-language intent accuracy on the held-out test sets",
        description="Classify every utterance of tests/nlu/<lang>.yml and print, per language, "
        "intent accuracy, macro-F1 and the most common confusions.",
    )
    eval_nlu.add_argument(
        "--threshold", type=float, default=0.90, help="exit 1 if a language scores below (0.90)"
    )
    eval_nlu.add_argument("--language", action="append", help="only these languages (repeatable)")

    from bot.directory import resources_cli

    resources_cli.add_parser(commands)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    settings = get_settings()
    from bot.logs import configure_logging

    # A chat in this terminal (helpline run without a token too) shows warnings only:
    # the terminal is the conversation.
    chatting_here = (
        args.command != "run" or args.console or not settings.telegram_token.get_secret_value()
    )
    configure_logging(settings, console=chatting_here)
    try:
        return _dispatch(args, settings)
    except StartFailed as error:
        print(f"helpline: {error}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130


def _dispatch(args: argparse.Namespace, settings: Settings) -> int:
    if args.command == "db":
        from bot.db.session import upgrade

        upgrade(settings.resolved_database_url())
        print("database is at the latest migration", file=sys.stderr)
        return 0
    if args.command == "train":
        from bot.model import train

        print(f"model: {train(settings, force=args.force)}", file=sys.stderr)
        return 0
    if args.command == "chat":
        return asyncio.run(_chat(settings, args))
    if args.command == "nlu":
        return asyncio.run(_nlu_parse(settings, args))
    if args.command == "language":
        from bot.language_scaffold import add_language

        for path in add_language(args.code, args.autonym, rtl=args.rtl):
            print(f"created {path}")
        return 0
    if args.command == "eval":
        return asyncio.run(_eval_nlu(settings, args))
    if args.command == "purge":
        return _purge(settings, dry_run=args.dry_run)
    if args.command == "keys":
        return _keys(settings, args.keys_command)
    if args.command == "resources":
        from bot.directory import resources_cli

        return resources_cli.run(args, settings)
    if args.command == "run":
        from bot.runner import run_helpline

        return asyncio.run(run_helpline(settings, console=args.console))
    raise AssertionError(args.command)


def _purge(settings: Settings, *, dry_run: bool) -> int:
    from bot.db.session import upgrade
    from bot.privacy.retention import purge

    upgrade(settings.resolved_database_url())
    report = purge(settings, dry_run=dry_run)
    verb = "would delete" if dry_run else "deleted"
    print(f"chat_state    {verb} {report.chat_state} idle conversation states")
    print(f"chat_message  {verb} {report.chat_message} message ids older than 48 hours")
    print(
        f"rasa_tracker  {verb} {report.rasa_conversations} idle conversations "
        f"({report.rasa_events} events)"
    )
    return 0


def _keys(settings: Settings, task: str) -> int:
    from bot.privacy.crypto import new_key, rotate_stored

    if task == "new":
        print(new_key())
        print(
            "To rotate: put this key first in HELPLINE_ENCRYPTION_KEY, followed by the keys "
            "in use now (comma-separated; the one in "
            f"{settings.data_dir / 'encryption-key'} if you never set one), restart the "
            "helpline, run `helpline keys rotate`, then remove the old keys.",
            file=sys.stderr,
        )
        return 0
    report = rotate_stored(settings)
    print(f"re-encrypted {report.rows} rows: {report.note}")
    return 0


async def _chat(settings: Settings, args: argparse.Namespace) -> int:
    from bot.console import chat_interactive, chat_json, stdin_is_terminal
    from bot.engine import engine_running
    from bot.runner import conversations_for

    async with engine_running(settings, progress=stderr_progress) as rasa:
        conversations = conversations_for(settings, rasa, channel="console")
        if args.json or not stdin_is_terminal():
            await chat_json(
                conversations, args.user, language=args.language, lines=sys.stdin, out=sys.stdout
            )
        else:
            await chat_interactive(conversations, args.user, language=args.language, out=sys.stdout)
    return 0


async def _nlu_parse(settings: Settings, args: argparse.Namespace) -> int:
    from bot.engine import engine_running

    stream = sys.stdin if args.input == "-" else open(args.input, encoding="utf-8")
    async with engine_running(settings, progress=stderr_progress, with_actions=False) as rasa:
        for line in stream:
            text = line.rstrip("\n")
            if not text.strip():
                continue
            parsed = await rasa.parse(text)
            intent = parsed.get("intent") or {}
            result = {
                "text": text,
                "intent": intent.get("name"),
                "confidence": round(float(intent.get("confidence") or 0.0), 4),
                "entities": [
                    {k: e.get(k) for k in ("entity", "value", "start", "end")}
                    for e in parsed.get("entities") or []
                ],
            }
            if args.json:
                print(json.dumps(result, ensure_ascii=False), flush=True)
            else:
                print(f"{result['intent']:<22} {result['confidence']:.2f}  {text}", flush=True)
    return 0


async def _eval_nlu(settings: Settings, args: argparse.Namespace) -> int:
    from bot.engine import engine_running
    from bot.nlu_eval import evaluate, format_table, held_out_sets

    languages = {
        code: path
        for code, path in held_out_sets().items()
        if not args.language or code in args.language
    }
    async with engine_running(settings, progress=stderr_progress, with_actions=False) as rasa:

        async def intent_of(text: str) -> str | None:
            return ((await rasa.parse(text)).get("intent") or {}).get("name")

        scores = await evaluate(intent_of, languages)
    print(format_table(scores))
    below = [s.language for s in scores if s.accuracy < args.threshold]
    if below:
        print(f"below {args.threshold:.2f}: {', '.join(below)}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
