import json
import sys
from typing import Any, TextIO

from django.core.management.base import BaseCommand, CommandError, CommandParser

BATCH = 64  # lines read before their results are written: output keeps up with a slow producer on stdin


class Command(BaseCommand):
    help = "Text model: `classify [FILE]` reads one text per line and writes one JSON object per line; `build` "
    help += "rebuilds the shipped weights from the examples in amends/textsense/corpus/."

    def add_arguments(self, parser: CommandParser) -> None:
        actions = parser.add_subparsers(dest="action", required=True)
        classify = actions.add_parser("classify", help="Language, negative probability, alert, category, amazement.")
        classify.add_argument("file", nargs="?", help="UTF-8 text, one text per line; standard input when absent.")
        actions.add_parser("build", help="Embed the examples and write amends/textsense/data/base.npz.")

    def handle(self, *args: Any, action: str, **options: Any) -> None:
        if action == "build":
            from amends.textsense.training import BASE_PATH, build_base

            counts = build_base()
            self.stdout.write(f"{BASE_PATH}: {counts['examples']} examples, {counts['category_examples']} categories")
            return
        path = options.get("file")
        if path in (None, "-"):
            self._classify(sys.stdin)
            return
        try:
            with open(path, encoding="utf-8") as handle:
                self._classify(handle)
        except OSError as error:
            raise CommandError(f"Cannot read {path}: {error.strerror}") from error

    def _classify(self, lines: TextIO) -> None:
        from amends.textsense.services import analyse_texts

        batch: list[str] = []
        for line in lines:
            batch.append(line.rstrip("\r\n"))
            if len(batch) == BATCH:
                self._write(analyse_texts(batch))
                batch = []
        if batch:
            self._write(analyse_texts(batch))

    def _write(self, results: list) -> None:
        for result in results:
            self.stdout.write(json.dumps(result.as_dict(), ensure_ascii=False))
        self.stdout.flush()
