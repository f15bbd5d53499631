"""The command lines a reader of the manual would type, and what is wrong with each.

Commands are taken from README.md and docs/**/*.md: every line of a bash/sh/shell code block (or of a
block without a language), the `$ ` lines of a console/text block, and inline code that starts with a
command; `\\` continuations are joined, `#` comments dropped, and `&&`, `||`, `;`, `|` and `&` separate
commands. Each `yoloop ...` must name a command of the Typer app with only the options that command has
(and, in code blocks, its required arguments and options); each `dvc ...` must parse with DVC's own
parser, and its `-S key=value` keys must be keys of params.yaml; each `make TARGET` must be a target of
the Makefile; each `python -m MODULE` must exist.
"""

from __future__ import annotations

import contextlib
import importlib.util
import io
import re
import shlex
import types
import typing
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
SHELL_BLOCKS = {"", "bash", "sh", "shell", "zsh"}
PROMPT_BLOCKS = {"console", "text"}  # only their `$ ` lines are commands
SEPARATORS = {"&&", "||", ";", "|", "&", "(", ")"}
WRAPPERS = {"sudo", "time", "nohup", "exec"}
PROJECT_PACKAGES = {"benchmarks", "cli", "flows", "tasks", "testkit", "tests"}


@dataclass(frozen=True)
class Shown:
    """A command as the manual shows it."""

    where: str  # file:line
    words: tuple[str, ...]  # from the program on
    in_block: bool  # a code block (its required arguments are checked) or inline code


def code_lines(text: str) -> Iterator[tuple[int, str, bool]]:
    """(line number, line, in a code block) of every shell line of a markdown text, continuations joined."""
    fence, language, pending, start = None, "", "", 0
    for number, line in enumerate(text.splitlines(), 1):
        opened = re.match(r"^\s*(`{3,}|~{3,})\s*([\w+-]*)", line)
        if fence is None and opened:
            fence, language = opened.group(1), opened.group(2).lower()
            continue
        if fence is not None and line.strip().startswith(fence):
            fence = None
            continue
        if fence is None:
            for span in re.findall(r"(?<!`)`([^`\n]+)`(?!`)", line):
                yield number, span, False
            continue
        if language in PROMPT_BLOCKS:
            if line.lstrip().startswith("$ "):
                yield number, line.lstrip()[2:], True
            continue
        if language not in SHELL_BLOCKS:
            continue
        start = start or number
        if line.rstrip().endswith("\\"):
            pending += line.rstrip()[:-1] + " "
            continue
        yield start, pending + line, True
        pending, start = "", 0


def split_commands(line: str) -> Iterator[list[str]]:
    """The words of each command of a shell line, comments dropped, wrappers and VAR=value prefixes skipped."""
    lexer = shlex.shlex(line.removeprefix("$ "), posix=True, punctuation_chars="&|;()")
    lexer.whitespace_split = True
    try:
        words = list(lexer)
    except ValueError:  # an unclosed quote: prose, not a command
        return
    command: list[str] = []
    for word in [*words, ";"]:
        if word in SEPARATORS:
            if command:
                yield unwrap(command)
            command = []
        else:
            command.append(word)


def unwrap(words: list[str]) -> list[str]:
    while words and (re.fullmatch(r"[A-Za-z_]\w*=.*", words[0]) or words[0] in WRAPPERS):
        words = words[1:]
    if words[:2] == ["nice", "-n"]:
        words = words[3:]
    return words


def shown_commands(path: Path, text: str | None = None) -> Iterator[Shown]:
    """Every command of a markdown file that a program of ours runs (yoloop, dvc, make, python -m)."""
    text = path.read_text() if text is None else text
    where = path.relative_to(ROOT) if path.is_relative_to(ROOT) else path
    for number, line, in_block in code_lines(text):
        for words in split_commands(line):
            program = Path(words[0]).name if words else ""
            if program in ("yoloop", "dvc", "make") or (program.startswith("python") and words[1:2] == ["-m"]):
                yield Shown(f"{where}:{number}", tuple(words), in_block)


def placeholder(word: str) -> bool:
    """A value the reader fills in: NAME, <run>, ..."""
    return "..." in word or bool(re.fullmatch(r"<[^>]*>|[A-Z][A-Z0-9_]*", word))


# --- yoloop -----------------------------------------------------------------------------------------------


def choices(param: Any) -> list[str] | None:
    """The values a parameter accepts when it is a Literal (or a click Choice), else None."""
    annotation = getattr(getattr(param, "type_descriptor", None), "annotation", None)
    while typing.get_origin(annotation) in (typing.Union, list, types.UnionType):
        inner = [a for a in typing.get_args(annotation) if a is not type(None)]
        annotation = inner[0] if inner else None
    if typing.get_origin(annotation) is typing.Literal:
        return [str(a) for a in typing.get_args(annotation)]
    return list(getattr(getattr(param, "type", None), "choices", None) or []) or None


def bad_choice(param: Any, value: str, path: str) -> list[str]:
    allowed = choices(param)
    if allowed is None or placeholder(value) or value == (param.metavar or ""):
        return []
    return [] if value in allowed else [f"{path}: {value!r} is not one of {allowed} ({param.name})"]


def yoloop_problems(words: list[str], app: Any, strict: bool) -> list[str]:
    """What is wrong with `yoloop WORDS...` against the click tree `app`."""
    words = [w.strip("[]") for w in words if w.strip("[]") and w != "..."]
    command, path = app, ["yoloop"]
    while getattr(command, "commands", None) is not None:
        if not words:
            return []  # a group alone prints its help
        word = words.pop(0)
        if word == "--help":
            return []
        if word.startswith("-") and word not in option_table(command):
            return [f"{' '.join(path)}: no option {word}"]
        if word.startswith("-"):
            continue
        if word not in command.commands:
            return [f"{' '.join(path)}: no command {word!r} (has {', '.join(command.commands)})"]
        command, path = command.commands[word], [*path, word]
    return parameter_problems(command, " ".join(path), words, strict)


def option_table(command: Any) -> dict[str, Any]:
    return {
        name: p
        for p in command.params
        if p.param_type_name == "option"
        for name in (*p.opts, *getattr(p, "secondary_opts", []))
    }


def parameter_problems(command: Any, path: str, words: list[str], strict: bool) -> list[str]:
    """Options the command lacks, values missing or not among its choices, arguments too many or missing."""
    options, problems, positional, seen = option_table(command), [], [], set()
    index = 0
    while index < len(words):
        word = words[index]
        index += 1
        if word == "--help" or not word.startswith("-") or word == "-":
            positional += [] if word == "--help" else [word]
            continue
        name, has_value, value = word.partition("=")
        param = options.get(name)
        if param is None:  # its value, if it has one, is not an argument
            problems.append(f"{path}: no option {name} (has {', '.join(sorted(options)) or 'none'})")
            index += 1 if not has_value and index < len(words) and not words[index].startswith("-") else 0
            continue
        seen.add(param.name)
        if getattr(param, "is_flag", False) or getattr(param, "count", False):
            problems += [f"{path}: {name} takes no value"] if has_value else []
            continue
        if not has_value:
            if index >= len(words):
                problems.append(f"{path}: {name} needs a value")
                break
            value, index = words[index], index + 1
        problems += bad_choice(param, value, path)
    return problems + argument_problems(command, path, positional, strict, seen)


def argument_problems(command: Any, path: str, positional: list[str], strict: bool, seen: set[str]) -> list[str]:
    problems, arguments = [], [p for p in command.params if p.param_type_name == "argument"]
    for param in arguments:
        taken = positional if param.nargs == -1 else positional[:1]
        positional = [] if param.nargs == -1 else positional[1:]
        if not taken and strict and param.required:
            problems.append(f"{path}: missing the argument {param.metavar or param.name.upper()}")
        problems += [p for value in taken for p in bad_choice(param, value, path)]
    if positional:
        problems.append(f"{path}: unexpected arguments {positional}")
    if strict:
        missing = [p for p in command.params if p.param_type_name == "option" and p.required and p.name not in seen]
        problems += [f"{path}: missing the option {p.opts[0]}" for p in missing]
    return problems


# --- dvc, make, python -m -----------------------------------------------------------------------------------


class DvcRefused(Exception):
    """DVC's parser refused a command line; the message is argparse's."""


def dvc_parse_error(words: list[str]) -> str | None:
    """What DVC's own parser says of `dvc WORDS...` (None: it parses), without printing it."""
    from unittest import mock

    from dvc.cli import parse_args
    from dvc.cli.parser import DvcParser

    def refuse(_parser: DvcParser, message: str, _cmd_cls: Any = None) -> None:
        raise DvcRefused(message)

    try:
        with mock.patch.object(DvcParser, "error", refuse), contextlib.redirect_stdout(io.StringIO()):
            parse_args(words)
    except DvcRefused as refused:
        return str(refused)
    except SystemExit:  # --help, --version
        return None
    return None


def dvc_problems(words: list[str], params_keys: set[str], strict: bool = True) -> list[str]:
    """What DVC's parser says of `dvc WORDS...`, and `-S` keys that params.yaml does not have. Inline code may
    name a command without its arguments (`dvc add`): only its other errors count there."""
    text = " ".join(["dvc", *words])
    error = dvc_parse_error(words)
    if error and (strict or not error.startswith("the following arguments are required")):
        return [f"{text}: DVC refuses it: {error}"]
    problems = []
    for index, word in enumerate(words):
        setting = words[index + 1] if word in ("-S", "--set-param") and index + 1 < len(words) else None
        key = (setting or "").partition("=")[0].rpartition(":")[2]
        if setting and "." in key and key not in params_keys:
            problems.append(f"{text}: params.yaml has no key {key}")
    return problems


def make_targets(makefile: Path = ROOT / "Makefile") -> set[str]:
    return set(re.findall(r"^([A-Za-z0-9_.-]+)\s*:(?!=)", makefile.read_text(), re.MULTILINE))


def make_problems(words: list[str], targets: set[str]) -> list[str]:
    wanted = [w for w in words if not w.startswith("-") and "=" not in w]
    return [f"make {w}: the Makefile has no target {w}" for w in wanted if w not in targets]


def module_problems(words: list[str]) -> list[str]:
    """`python -m MODULE`: the module exists (this project's, or an installed one)."""
    module = words[2] if len(words) > 2 else ""
    if not module or "<" in module:
        return []
    top = module.split(".")[0]
    if top in PROJECT_PACKAGES:
        found = (ROOT / module.replace(".", "/")).with_suffix(".py").is_file() or (
            ROOT / module.replace(".", "/") / "__main__.py"
        ).is_file()
    else:
        found = importlib.util.find_spec(top) is not None
    return [] if found else [f"python -m {module}: no such module"]
