"""The manual (docs/, README.md): it builds with `mkdocs build --strict` and loads nothing from the network, the
params reference lists every key of params.yaml, and every command it shows exists with the options shown."""

from __future__ import annotations

import importlib.util
import re
import subprocess
import sys
from pathlib import Path
from types import ModuleType

import pytest
import yaml

from testkit.processes import project_env
from tests import doc_commands
from tests.doc_commands import ROOT, Shown

MANUAL = [ROOT / "README.md", *sorted((ROOT / "docs").rglob("*.md"))]


def load_generator() -> ModuleType:
    """docs/gen_reference.py, the MkDocs hook that writes the reference pages (not a package: loaded by path)."""
    spec = importlib.util.spec_from_file_location("gen_reference", ROOT / "docs" / "gen_reference.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


gen = load_generator()


@pytest.fixture(scope="module")
def site(tmp_path_factory) -> Path:
    """The site as `mkdocs build --strict` writes it: a warning (a broken link or anchor, a page left out of the
    nav) fails the build."""
    out = tmp_path_factory.mktemp("site")
    build = subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict", "--site-dir", str(out)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        env=project_env(NO_MKDOCS_2_WARNING="1"),  # Material's notice about MkDocs 2, on every build
        timeout=300,
    )
    assert build.returncode == 0, build.stderr[-4000:]
    return out


def test_the_manual_builds_strictly_with_the_generated_reference(site):
    for page in ("index.html", "tutorial/index.html", "reference/params/index.html", "reference/cli/index.html"):
        assert (site / page).is_file(), page
    assert "prepare.builtin.images.base_train" in (site / "reference/params/index.html").read_text()
    assert "yoloop labels import" in (site / "reference/cli/index.html").read_text()


EXTERNAL = re.compile(r"""<(?:link|script|img|iframe|source)\b[^>]*\b(?:href|src)=["']?(?:https?:)?//""", re.I)


def external_loads(site: Path) -> list[str]:
    """Files of the site that load something from the network (a font, a script, a stylesheet, an image)."""
    found = []
    for path in site.rglob("*"):
        if path.suffix in (".html", ".css") and path.is_file():
            text = path.read_text(errors="replace")
            if EXTERNAL.search(text) or re.search(r"@import\s+url\(\s*['\"]?https?:|fonts\.googleapis", text):
                found.append(str(path.relative_to(site)))
    return found


def test_the_site_loads_nothing_from_the_network(site):
    assert external_loads(site) == []


def test_a_page_that_loads_a_font_from_the_network_would_be_seen(tmp_path):
    (tmp_path / "index.html").write_text(
        '<link href="https://fonts.googleapis.com/css?family=Roboto" rel="stylesheet">'
    )
    (tmp_path / "fine.html").write_text('<a href="https://example.org">a link is no load</a>')
    assert external_loads(tmp_path) == ["index.html"]


def tags_in_prose(text: str) -> list[str]:
    """`<name>` written outside code: Markdown passes it on as an HTML tag, and the page shows nothing."""
    text = re.sub(r"^\s*(`{3,}|~{3,}).*?^\s*\1", "", text, flags=re.S | re.M)
    return re.findall(r"<(?!br>)[A-Za-z][^>\n]{0,40}>", re.sub(r"`[^`\n]*`", "", text))


def test_no_placeholder_in_the_manual_is_taken_for_an_html_tag():
    pages = {str(p.relative_to(ROOT)): p.read_text() for p in MANUAL}
    pages |= {uri: write() for uri, write in gen.PAGES.items()}
    assert {name: tags_in_prose(text) for name, text in pages.items() if tags_in_prose(text)} == {}
    assert tags_in_prose("copies ../shared/datasets/<name>, `<kept>`\n```\n<also kept>\n```\n") == ["<name>"]


# --- the params reference -------------------------------------------------------------------------------------


def yaml_keys(node: object, prefix: str = "") -> list[str]:
    """Every key of a params mapping, dotted; the keys of a list of mappings as `key[].inner`."""
    keys = []
    if isinstance(node, dict):
        for key, value in node.items():
            keys.append(f"{prefix}{key}")
            keys += yaml_keys(value, f"{prefix}{key}.")
    elif isinstance(node, list):
        for item in node:
            keys += [k for k in yaml_keys(item, f"{prefix[:-1]}[].") if k not in keys]
    return keys


def undocumented(params: dict, page: str, free_form: set[str]) -> list[str]:
    """Keys of `params` that the params reference `page` does not list (inside a free-form mapping, its key is)."""
    missing = []
    for key in yaml_keys(params):
        documented = next((f for f in free_form if key.startswith(f + ".")), key)
        if f"`{documented}`" not in page:
            missing.append(key)
    return missing


def test_the_params_reference_lists_every_key_of_params_yaml():
    params = yaml.safe_load((ROOT / "params.yaml").read_text())
    assert len(yaml_keys(params)) > 100
    assert undocumented(params, gen.params_reference(), gen.free_form_keys()) == []


def test_a_key_of_params_yaml_missing_from_the_reference_would_be_seen():
    params = yaml.safe_load((ROOT / "params.yaml").read_text())
    params["mine"]["ray"]["spill_folder"] = "/tmp"
    params["train"]["ultralytics"] = {"shear": 2.0}  # a free-form mapping: its own key is what is documented
    params["prepare"]["datasets"] = [{"name": "toys", "colour": "red"}]
    page = gen.params_reference()
    assert undocumented(params, page, gen.free_form_keys()) == ["prepare.datasets[].colour", "mine.ray.spill_folder"]


def test_the_params_reference_says_what_a_key_is_and_where_its_words_come_from():
    keys = {k.path: k for k in gen.params_keys()}
    assert keys["transfer.from"].doc.startswith("a stage (train, transfer)")  # the comment in params.yaml
    assert "≥ 1" in keys["mine.k"].constraints
    assert any("multiple of 32" in c for c in keys["train.imgsz"].constraints)  # a validator's message
    assert keys["train.epochs"].doc.startswith("Ultralytics' `epochs`")
    assert keys["prepare.datasets[].name"].default == "required"


def test_the_contracts_page_renders_the_registry_or_says_there_is_none(monkeypatch):
    from pydantic import BaseModel, Field

    page = gen.contracts_reference()
    assert "# File contracts" in page
    assert ("No contracts registered yet" in page) == (gen.file_contracts() is None)

    class Card(BaseModel):
        """A model card."""

        version: int = 1
        classes: list[str] = Field(description="The class names, in id order.")

    monkeypatch.setattr(gen, "file_contracts", lambda: {"models/<stage>/card.json": Card})
    page = gen.contracts_reference()
    assert "## `models/<stage>/card.json`" in page and "A model card." in page
    assert "| `classes` | list of string | yes |  | The class names, in id order. |" in page


# --- the commands shown ---------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def checker():
    app, targets = gen.cli_command(), doc_commands.make_targets()
    keys = {k.path for k in gen.params_keys()}

    def problems(shown: Shown) -> list[str]:
        program, words = Path(shown.words[0]).name, list(shown.words[1:])
        if program == "yoloop":
            found = doc_commands.yoloop_problems(words, app, strict=shown.in_block)
        elif program == "dvc":
            found = doc_commands.dvc_problems(words, keys, strict=shown.in_block)
        elif program == "make":
            found = doc_commands.make_problems(words, targets)
        else:
            found = doc_commands.module_problems(list(shown.words))
        return [f"{shown.where}: {p}" for p in found]

    return problems


def cli_examples() -> list[Shown]:
    """The examples of every command's epilog, as the CLI reference shows them."""
    page = gen.cli_reference()
    return [s for s in doc_commands.shown_commands(ROOT / "docs/reference/cli.md", page) if s.in_block]


def test_every_command_shown_in_the_manual_exists_with_the_options_shown(checker):
    shown = [s for path in MANUAL for s in doc_commands.shown_commands(path)] + cli_examples()
    assert sum(s.words[0] == "yoloop" for s in shown) > 50
    assert [p for s in shown for p in checker(s)] == []


BAD = """
Prose with `yoloop labels fetch` inline, and a fine `yoloop import` without its arguments.

```bash
yoloop import photos --name shop --colour red   # an option it lacks
yoloop stage deploy && yoloop app --port        # a stage that is none; a value missing
dvc repro mine -S mine.audit_share=0.2          # dvc repro has no -S
dvc exp run -S mine.shares=0.2 \\
  mine
make docs demo everything
.venv/bin/python -m benchmarks.nothing_here
yoloop import photos                            # --name is required
```

```yaml
yoloop: this is yaml, not a command
```

```text
$ yoloop results pull yoloop/runs/<run> extra
```
"""


def test_a_command_that_does_not_exist_as_shown_would_be_seen(checker, tmp_path):
    page = tmp_path / "bad.md"
    page.write_text(BAD)
    found = [p.split(": ", 1)[1] for s in doc_commands.shown_commands(page) for p in checker(s)]
    assert found == [
        "yoloop labels: no command 'fetch' (has import, push, pull)",
        "yoloop import: no option --colour (has --format, --fps, --name, --params, --policy, --unlabelled)",
        "yoloop stage: 'deploy' is not one of ['prepare', 'train', 'transfer', 'evaluate', 'mine'] (name)",
        "yoloop app: --port needs a value",
        "dvc repro mine -S mine.audit_share=0.2: DVC refuses it: unrecognized arguments: -S mine.audit_share=0.2",
        "dvc exp run -S mine.shares=0.2 mine: params.yaml has no key mine.shares",
        "make everything: the Makefile has no target everything",
        "python -m benchmarks.nothing_here: no such module",
        "yoloop import: missing the option --name",
        "yoloop results pull: unexpected arguments ['extra']",
    ]
