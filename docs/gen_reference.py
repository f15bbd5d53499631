"""The manual's reference pages, written from the code each time the site is built, so they cannot drift from it.

An MkDocs hook (mkdocs.yml `hooks:`): `on_files` adds four pages that exist only in the build:

- reference/params.md: every key of params.yaml, from the pydantic models of tasks/core/schema*.py
  (docs/params_reference.py);
- reference/cli.md: every command of the Typer app (cli/main.py), walked as its click tree: usage, arguments,
  options with their help and defaults, the examples of its epilog;
- reference/contracts.md: the files that cross stages, one table per pydantic model of
  `tasks.core.contracts.FILE_CONTRACTS` (file name -> model) once that registry exists;
- reference/stages.md: the stages of dvc.yaml, what each runs, reads and writes.

`python docs/gen_reference.py OUT_DIR` writes the same pages as files, to read them without a build.
"""

from __future__ import annotations

import importlib
import inspect
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parents[1]
for folder in (ROOT, ROOT / "docs"):  # `mkdocs build` runs from its own script: this checkout's code first
    if str(folder) not in sys.path:
        sys.path.insert(0, str(folder))

from params_reference import (  # noqa: E402
    GENERATED_NOTE,
    Key,
    cell,
    free_form_keys,
    params_keys,
    params_reference,
    prose,
    yaml_value,
)
from pydantic import BaseModel  # noqa: E402

__all__ = ["Key", "free_form_keys", "params_keys", "params_reference"]

CONTRACTS_MODULE = "tasks.core.contracts"


# --- the command line ----------------------------------------------------------------------------------------


def cli_command() -> Any:
    """The click command tree of the `yoloop` Typer app."""
    import typer.main

    from cli.main import app

    return typer.main.get_command(app)


def walk_commands(command: Any, path: tuple[str, ...] = ("yoloop",)) -> Iterator[tuple[tuple[str, ...], Any]]:
    """(path, command) of the command and every sub-command below it, in the app's order."""
    yield path, command
    for name, sub in getattr(command, "commands", {}).items():
        if not getattr(sub, "hidden", False):
            yield from walk_commands(sub, (*path, name))


def epilog_examples(epilog: str | None) -> list[str]:
    """The example command lines of an epilog (its indented lines)."""
    return [line.strip() for line in (epilog or "").splitlines() if line.startswith("    ") and line.strip()]


def command_section(path: tuple[str, ...], command: Any) -> str:
    """One command: its help, usage, arguments, options and examples."""
    ctx = command.make_context(" ".join(path), [], resilient_parsing=True)
    level = "#" * min(len(path) + 1, 4)
    text = prose(inspect.cleandoc(command.help or ""))
    out = [f"{level} {' '.join(path)}\n\n{text}\n\n", f"```text\n{command.get_usage(ctx)}\n```\n\n"]
    arguments = [p for p in command.params if p.param_type_name == "argument"]
    options = [p for p in command.params if p.param_type_name == "option" and not getattr(p, "hidden", False)]
    if arguments:
        out.append("| argument | help |\n|---|---|\n")
        for param in arguments:
            metavar = param.metavar or param.name.upper()
            many = " ..." if param.nargs == -1 else ""
            need = "" if param.required else " (optional)"
            out.append(f"| `{metavar}{many}` | {cell(getattr(param, 'help', '') or '')}{need} |\n")
        out.append("\n")
    if options:
        out.append("| option | help |\n|---|---|\n")
        for param in options:
            name, help_text = param.get_help_record(ctx) or (", ".join(param.opts), "")
            out.append(f"| `{name}` | {cell(help_text)} |\n")
        out.append("\n")
    examples = epilog_examples(command.epilog)
    if examples:
        out.append("```bash\n" + "\n".join(examples) + "\n```\n\n")
    return "".join(out)


def cli_reference() -> str:
    """reference/cli.md: every command of `yoloop`."""
    out = [
        GENERATED_NOTE,
        "# The yoloop command\n\n",
        "Every command and sub-command of the Typer app in cli/main.py, with its options. `yoloop COMMAND --help` "
        "prints the same. Bad input below any command prints one `error: ...` line per problem and exits 2.\n\n",
    ]
    out += [command_section(path, command) for path, command in walk_commands(cli_command())]
    return "".join(out)


# --- file contracts -------------------------------------------------------------------------------------------


def file_contracts() -> dict[str, type[BaseModel]] | None:
    """FILE_CONTRACTS of tasks.core.contracts, or None while that module does not exist."""
    try:
        module = importlib.import_module(CONTRACTS_MODULE)
    except ModuleNotFoundError as missing:
        if missing.name != CONTRACTS_MODULE:
            raise
        return None
    return dict(module.FILE_CONTRACTS)


def schema_type(prop: dict[str, Any]) -> str:
    """A JSON schema property's type in a few words."""
    if "$ref" in prop:
        return prop["$ref"].rsplit("/", 1)[-1]
    if "enum" in prop:
        return " \\| ".join(f"`{v}`" for v in prop["enum"])
    if "const" in prop:
        return f"`{prop['const']}`"
    if "anyOf" in prop:
        return " or ".join(schema_type(p) for p in prop["anyOf"])
    kind = prop.get("type", "any")
    if kind == "array" and "prefixItems" in prop:
        return "[" + ", ".join(schema_type(p) for p in prop["prefixItems"]) + "]"
    if kind == "array":
        return f"list of {schema_type(prop.get('items', {}))}"
    if kind == "object" and "additionalProperties" in prop:
        return f"mapping to {schema_type(prop['additionalProperties'] or {})}"
    return kind


def schema_bounds(prop: dict[str, Any]) -> str:
    """The bounds and pattern of a JSON schema property, in words."""
    words = {"minimum": "≥", "exclusiveMinimum": ">", "maximum": "≤", "exclusiveMaximum": "<"}
    found = [f"{word} {prop[key]}" for key, word in words.items() if key in prop]
    found += [f"length ≥ {prop['minLength']}"] if "minLength" in prop else []
    found += [f"matches `{prop['pattern']}`"] if "pattern" in prop else []
    return "".join(f"<br>{cell(f)}" for f in found)


def schema_table(schema: dict[str, Any]) -> str:
    """One object of a JSON schema as a table of its fields."""
    required = set(schema.get("required", []))
    rows = ["| field | type | required | default | description |\n|---|---|---|---|---|\n"]
    for name, prop in schema.get("properties", {}).items():
        default = f"`{yaml_value(prop['default'])}`" if "default" in prop else ""
        yes, about = "yes" if name in required else "", cell(prop.get("description", ""))
        kind = schema_type(prop) + schema_bounds(prop)
        rows.append(f"| `{name}` | {kind} | {yes} | {cell(default)} | {about} |\n")
    return "".join(rows) + "\n"


def contract_section(file_name: str, model: type[BaseModel]) -> str:
    schema = model.model_json_schema()
    about = f": {schema['description']}" if "description" in schema else ""
    out = [f"## `{file_name}`\n\n`{model.__module__}.{model.__name__}`{prose(about)}\n\n", schema_table(schema)]
    for name, definition in schema.get("$defs", {}).items():
        if definition.get("properties"):
            about = f"{prose(definition['description'])}\n\n" if definition.get("description") else ""
            out.append(f"### {name}\n\n{about}{schema_table(definition)}")
        elif "enum" in definition:
            out.append(f"### {name}\n\none of {schema_type(definition)}\n\n")
    return "".join(out)


def contracts_reference() -> str:
    """reference/contracts.md: the model of each file that crosses stages."""
    contracts = file_contracts()
    out = [GENERATED_NOTE, "# File contracts\n\n"]
    if not contracts:
        out.append(
            "No contracts registered yet: the files that cross stages (the import manifest, the batch manifest, "
            f"the model card, the prepared-dataset card, the audit reports) get a pydantic model each in "
            f"`{CONTRACTS_MODULE}.FILE_CONTRACTS`; this page lists them once that registry exists.\n"
        )
        return "".join(out)
    out.append(
        "Each file that one stage writes and another reads has one pydantic model, one reader and one writer "
        f"(`{CONTRACTS_MODULE}.FILE_CONTRACTS`). Fields as the model's JSON schema gives them.\n\n"
    )
    out += [contract_section(name, model) for name, model in sorted(contracts.items())]
    return "".join(out)


# --- the stages -----------------------------------------------------------------------------------------------


def listed(entries: list[Any]) -> str:
    """dvc.yaml entries (a path, or a mapping of one path to its options) as `path` words."""
    names = [next(iter(e)) if isinstance(e, dict) else str(e) for e in entries or []]
    return "<br>".join(f"`{n}`" for n in names) or "-"


def stages_reference() -> str:
    """reference/stages.md: what each stage of dvc.yaml runs, reads and writes (code deps left out)."""
    pipeline = yaml.safe_load((ROOT / "dvc.yaml").read_text())
    out = [
        GENERATED_NOTE,
        "# Stages (dvc.yaml)\n\n",
        "What `dvc repro` (and `yoloop repro`) runs, from dvc.yaml. A stage reruns when one of its data, its "
        "params keys or its code changes; the code it depends on (the modules it imports, checked by a test) "
        "is left out of the `reads` column.\n\n",
        "| stage | runs | reads | params | writes | metrics | plots |\n|---|---|---|---|---|---|---|\n",
    ]
    for name, stage in pipeline["stages"].items():
        data = [d for d in stage.get("deps", []) if not str(d).startswith(("flows/", "tasks/", "cli/"))]
        params = [next(iter(p)) if isinstance(p, dict) else p for p in stage.get("params", [])]
        out.append(
            f"| `{name}` | `{stage['cmd']}` | {listed(data)} | {listed(params)} | {listed(stage.get('outs'))} "
            f"| {listed(stage.get('metrics'))} | {listed(stage.get('plots'))} |\n"
        )
    return "".join(out)


# --- MkDocs ---------------------------------------------------------------------------------------------------

PAGES: dict[str, Callable[[], str]] = {
    "reference/params.md": params_reference,
    "reference/cli.md": cli_reference,
    "reference/contracts.md": contracts_reference,
    "reference/stages.md": stages_reference,
}


def on_files(files: Any, config: Any, **_: Any) -> Any:
    """MkDocs hook: add the generated pages to the site's files."""
    from mkdocs.structure.files import File

    for uri, write in PAGES.items():
        if files.get_file_from_path(uri):
            files.remove(files.get_file_from_path(uri))
        files.append(File.generated(config, uri, content=write()))
    return files


def main(argv: list[str]) -> None:
    """Write the generated pages under OUT_DIR (argv[0])."""
    out = Path(argv[0])
    for uri, write in PAGES.items():
        (out / uri).parent.mkdir(parents=True, exist_ok=True)
        (out / uri).write_text(write())
        print(out / uri)


if __name__ == "__main__":
    main(sys.argv[1:])
