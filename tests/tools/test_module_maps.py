"""Every product module has its line in its README, and every path a README names exists
(issue 20: "a newcomer can name, for any behaviour, the one file that holds it within two hops
from the service README; docs/service-skeleton.md matches the tree").

The module map is the README's section headed "Module map": a table with one row per module,
its first cell the module's path relative to the package (`src/<name>/`, for stemkit
`src/stemkit/`), e.g. `| \\`entrypoints/api.py\\` | the HTTP app |`. Under a sub-heading naming
a folder (`### \\`eventing/\\``) the paths are relative to that folder. Product modules are
`src/**/*.py` but `__init__.py` and the Alembic revisions (`migrations/versions/`).

Paths a README or the skeleton names in backticks are checked wherever they can be: file and
folder paths (`adapters/intake.py`, `ops_web/static/`, `tests/golden/*.yaml`, a
`domain/calendar.py::rules` or `adapters/listing.partner_listed` naming a function), dotted
modules of the repository's packages (`stemkit.ops.audit`, `registry.entrypoints.api:create_app`,
with the name after them defined in the module), and bare `x.py` after a path on the same line
(`entrypoints/academy_routes.py`, `municipality_routes.py`: in the same folder).
"""

from __future__ import annotations

import ast
import re
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SKELETON = ROOT / "docs" / "service-skeleton.md"
TOP_PACKAGES = {"registry", "activities", "subsidy", "gateway", "stemkit", "tools", "bench"}
SOURCE_ROOTS = [ROOT / "libs" / "stemkit" / "src", *sorted(ROOT.glob("services/*/src")), ROOT]
FILE_SUFFIXES = {
    "py", "md", "yaml", "yml", "json", "toml", "csv", "txt", "html", "js", "css", "graphql",
    "sh", "ini", "cfg", "sql", "geojson", "jsonl", "ics", "xlsx", "lock", "mako", "j2",
}  # fmt: skip
OUTPUTS = ("var/", "test-artifacts/")  # written by runs, not in the repository (.gitignore)
BACKTICKED = re.compile(r"`([^`\n]+)`")
LINK = re.compile(r"\]\(([^)\s]+)\)")
HEADING = re.compile(r"^(#+)\s+(.*)$")
IDENTIFIER = re.compile(r"^[A-Za-z_]\w*$")
DOTTED_PREFIX = re.compile(r"[A-Za-z_][\w.]*(:[A-Za-z_]\w*)?")


@dataclass(frozen=True)
class Part:
    """One README and the package whose modules it maps."""

    name: str
    readme: Path
    package: Path

    @property
    def bases(self) -> list[Path]:
        """Where a relative path in the README may start: the package, the service, the root."""
        return [self.package, self.package.parent, self.readme.parent, ROOT]


def parts(root: Path = ROOT) -> list[Part]:
    found = [
        Part(readme.parent.name, readme, readme.parent / "src" / readme.parent.name)
        for readme in sorted(root.glob("services/*/README.md"))
    ]
    stemkit = root / "libs" / "stemkit"
    return [*found, Part("stemkit", stemkit / "README.md", stemkit / "src" / "stemkit")]


def product_modules(package: Path) -> set[str]:
    return {
        path.relative_to(package).as_posix()
        for path in package.rglob("*.py")
        if path.name != "__init__.py" and "versions" not in path.relative_to(package).parts[:-1]
    }


def _section(text: str, title: str) -> list[str]:
    """The lines under the heading whose text holds `title` (any case), to the next heading
    of the same or a higher level."""
    lines = text.splitlines()
    for number, line in enumerate(lines):
        heading = HEADING.match(line)
        if heading and title.lower() in heading.group(2).lower():
            level = len(heading.group(1))
            body = []
            for after in lines[number + 1 :]:
                following = HEADING.match(after)
                if following and len(following.group(1)) <= level:
                    break
                body.append(after)
            return body
    return []


def module_map(text: str) -> list[str]:
    """The modules the README's "Module map" names, one per table row, in order."""
    named: list[str] = []
    folder = ""
    for line in _section(text, "module map"):
        if HEADING.match(line):
            folders = [t for t in BACKTICKED.findall(line) if t.endswith("/")]
            folder = folders[0] if folders else ""
        elif line.startswith("|"):
            first = BACKTICKED.findall(line.split("|")[1])
            if first and first[0].endswith(".py"):
                named.append(folder + first[0])
    return named


def unmapped(part: Part) -> list[str]:
    """Product modules without a line, lines of modules that are not there, lines twice."""
    named = [  # also taken: `src/<name>/x.py`, `<name>/x.py`
        m.removeprefix("src/").removeprefix(f"{part.name}/")
        for m in module_map(part.readme.read_text(encoding="utf-8"))
    ]
    modules = product_modules(part.package)
    return (
        [f"{part.name}: no line for {m}" for m in sorted(modules - set(named))]
        + [f"{part.name}: a line for {m}, not in the package" for m in named if m not in modules]
        + [
            f"{part.name}: {m} named twice"
            for m in sorted({m for m in named if named.count(m) > 1})
        ]
    )


def _defines(module: Path, name: str) -> bool:
    if module.is_dir():
        if (module / f"{name}.py").exists() or (module / name).is_dir():
            return True
        module = module / "__init__.py"
        if not module.exists():
            return False
    tree = ast.parse(module.read_text(encoding="utf-8"))
    for node in tree.body:
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            found = [node.name]
        elif isinstance(node, ast.Assign):
            found = [t.id for t in node.targets if isinstance(t, ast.Name)]
        elif isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name):
            found = [node.target.id]
        elif isinstance(node, ast.Import | ast.ImportFrom):
            found = [(a.asname or a.name).split(".")[0] for a in node.names]
        else:
            continue
        if name in found:
            return True
    return False


def _module_named(dotted: str) -> bool:
    """`stemkit.ops.audit`, `registry.entrypoints.api:create_app`, `gateway.schema.scopes.X`."""
    name, _, attribute = dotted.partition(":")
    words = name.split(".")
    for source in SOURCE_ROOTS:
        for cut in range(len(words), 0, -1):
            stem = source.joinpath(*words[:cut])
            module = stem.with_suffix(".py") if stem.with_suffix(".py").exists() else stem
            if not module.exists():
                continue
            rest = words[cut:] + ([attribute] if attribute else [])
            return not rest or _defines(module, rest[0])
    return False


def _path_named(token: str, bases: list[Path], folder: str) -> bool | None:
    """Whether a path-like token exists under one of the bases; None: not a path."""
    token = token.split("::")[0]
    if "/" not in token:
        if not token.endswith(".py") or not IDENTIFIER.match(token[:-3]):
            return None
        # in the folder of the path before it on the line, else at a base
        return any((base / folder / token).exists() or (base / token).exists() for base in bases)
    if token.startswith(("/", "../", "~", "$", "http", *OUTPUTS)) or not re.match(
        r"^[\w.\-/*]+$", token
    ):
        return None
    words = [w for w in token.split("/") if w]
    if words[0] in ("text", "application", "image", "multipart") or words[0].isupper():
        return None
    last = words[-1]
    suffix = last.rpartition(".")[2] if "." in last else ""
    if "*" in token:
        pattern = re.sub(r"\*\*(?!/)", "**/*", token)  # `rules/**.yaml`: any depth
        return any(any(base.glob(pattern)) for base in bases)
    if token.endswith("/") or suffix in FILE_SUFFIXES:
        return any((base / token).exists() for base in bases)
    if not all(IDENTIFIER.match(w) for w in [*words[:-1], *last.split(".")]):
        return None  # a header pair such as `X-RateLimit-Limit/Remaining`
    if not any((base / words[0]).is_dir() for base in bases):
        return None  # a name with slashes, such as the parameter `stem/coverage/academies_counted`
    stem, _, attribute = last.partition(".")
    for base in bases:
        where = base.joinpath(*words[:-1])
        if (where / last).exists():
            return True
        if (where / f"{stem}.py").exists():
            return not attribute or _defines(where / f"{stem}.py", attribute.split(".")[0])
    return False


def unresolved(
    text: str, bases: list[Path], sections: dict[str, list[Path]] | None = None
) -> list[str]:
    """Every path or module the text names that is not there, as `line: token`.

    `sections` maps a heading's text to the bases under it (the skeleton's `### registry`)."""
    missing = []
    current = bases
    fenced = False
    folder = ""
    for number, line in enumerate(text.splitlines(), 1):
        if line.startswith("```"):
            fenced = not fenced
            continue
        heading = HEADING.match(line)
        if heading and sections is not None:
            current = sections.get(heading.group(2).strip(), bases)
        if fenced:
            continue
        if not line.strip() or line.startswith(("|", "#")):
            folder = ""  # a paragraph's lines share it, a table row has its own
        for token in BACKTICKED.findall(line) + LINK.findall(line):
            token = token.strip()
            if "/" in token and " " not in token and not token.startswith(("/", "http")):
                folder = (
                    token[: token.rstrip("/").rfind("/") + 1] if not token.endswith("/") else token
                )
            for word in token.split():
                if "<" in word or "…" in word or "..." in word:
                    continue  # a template: `entrypoints/<topic>_routes.py`
                dotted = DOTTED_PREFIX.match(word)
                name = dotted.group(0).rstrip(".") if dotted else ""
                module = name.split(":")[0]
                if (
                    module.split(".")[0] in TOP_PACKAGES
                    and "." in module
                    and "/" not in word
                    and module.rpartition(".")[2] not in FILE_SUFFIXES | {"db"}
                ):
                    if not _module_named(name):
                        missing.append(f"{number}: {name}")
                elif " " not in token and _path_named(word, current, folder) is False:
                    missing.append(f"{number}: {word}")
    return missing


def template_paths(text: str) -> list[tuple[str, bool]]:
    """The skeleton's tree (its first fenced block) as (path under services/<name>/, required):
    a line whose comment says "only" is not required of every service."""
    block = text.split("```")[1].splitlines()[1:]
    stack: list[tuple[int, str]] = []
    found = []
    for line in block:
        if not line.strip():
            continue
        indent = len(line) - len(line.lstrip())
        words, _, comment = line.strip().partition("#")
        stack = [(i, p) for i, p in stack if i < indent]
        parent = stack[-1][1] if stack else ""
        for word in words.split():  # several on a line are siblings
            found.append((parent + word, "only" not in comment))
            if word.endswith("/"):
                stack.append((indent, parent + word))
    root = found[0][0]  # services/<name>/ itself
    return [(path.removeprefix(root), required) for path, required in found[1:]]


def skeleton_services(text: str) -> list[str]:
    """The services the skeleton has a section (`### registry`) for."""
    headings = [h.group(2).strip() for line in text.splitlines() if (h := HEADING.match(line))]
    return [name for name in headings if (ROOT / "services" / name / "src").is_dir()]


def unnamed_in_skeleton(text: str, service: str, package: Path) -> list[str]:
    """The service's entrypoints, use cases and adapters its `### <service>` section of the
    skeleton does not name (by file name; `api.py` and `orm.py` are in the tree at the top)."""
    section = ("\n" + text).split(f"\n### {service}\n")[1]
    section = re.split(r"\n#{2,3} ", section)[0]
    named = {token.rsplit("/", 1)[-1] for token in BACKTICKED.findall(section)}
    layers = ("entrypoints", "service_layer", "adapters")
    return [
        f"{service}: {path.relative_to(package).as_posix()}"
        for path in sorted(package.glob("*/*.py"))
        if path.parent.name in layers
        and path.name not in {"__init__.py", "api.py", "orm.py"} | named
    ]


# The checks on the repository.


@pytest.mark.parametrize("part", parts(), ids=lambda p: p.name)
def test_every_product_module_has_its_line_in_the_module_map(part: Part) -> None:
    if not part.readme.exists():
        pytest.skip(f"{part.readme.relative_to(ROOT)} is not written yet")
    assert unmapped(part) == []


@pytest.mark.parametrize("part", parts(), ids=lambda p: p.name)
def test_every_path_the_readme_names_exists(part: Part) -> None:
    if not part.readme.exists():
        pytest.skip(f"{part.readme.relative_to(ROOT)} is not written yet")
    assert unresolved(part.readme.read_text(encoding="utf-8"), part.bases) == []


@pytest.mark.parametrize("part", [p for p in parts() if p.name != "stemkit"], ids=lambda p: p.name)
def test_the_readme_opens_with_where_to_look(part: Part) -> None:
    """A behaviour -> file table before anything else the README explains."""
    text = part.readme.read_text(encoding="utf-8")
    headings = [h.group(2) for line in text.splitlines() if (h := HEADING.match(line))]
    assert "where to look" in headings[1].lower(), headings[:3]
    section = "\n".join(_section(text, "where to look")).strip()
    rows = [line for line in section.split("\n\n")[0].splitlines() if line.startswith("| ")][1:]
    assert len(rows) >= 5
    assert all(".py`" in row or "/`" in row for row in rows), rows


def test_every_path_the_skeleton_names_exists() -> None:
    text = SKELETON.read_text(encoding="utf-8")
    packages = [p.package for p in parts() if p.name != "stemkit"]
    sections = {p.name: [p.package, p.package.parent, ROOT] for p in parts()}
    assert unresolved(text, [ROOT, *packages], sections) == []


def test_the_skeleton_tree_is_every_data_service_s_tree() -> None:
    """The tree at the top of the skeleton, for each service it has a section for."""
    text = SKELETON.read_text(encoding="utf-8")
    services = skeleton_services(text)
    assert services == ["registry", "activities", "subsidy"]
    missing = []
    for service in services:
        for template, required in template_paths(text):
            path = template.replace("<name>", service)
            if required and "<" not in path and not (ROOT / "services" / service / path).exists():
                missing.append(f"{service}: {path}")
    assert missing == []


def test_the_skeleton_names_every_route_use_case_and_adapter_module() -> None:
    """Its tables per service ("One vocabulary") are where a newcomer looks up a kind."""
    text = SKELETON.read_text(encoding="utf-8")
    missing = [
        line
        for service in skeleton_services(text)
        for line in unnamed_in_skeleton(
            text, service, ROOT / "services" / service / "src" / service
        )
    ]
    assert missing == []


# The checker itself, on a tree of its own: it fails when a module comes without its line.


def _tree(tmp_path: Path, readme: str, modules: list[str]) -> Part:
    service = tmp_path / "services" / "demo"
    for module in modules:
        (service / "src" / "demo" / module).parent.mkdir(parents=True, exist_ok=True)
        (service / "src" / "demo" / module).write_text(
            '"""A module."""\n\ndef run() -> None: ...\n'
        )
    (service / "README.md").write_text(readme)
    return parts(tmp_path)[0]


README = """# demo

## Where to look

| behaviour | file |
|---|---|
| the app | `entrypoints/api.py` |

## Module map

| module | what it holds |
|---|---|
| `entrypoints/api.py` | the app |

### `adapters/`

| module | what it holds |
|---|---|
| `store.py` | the store |

## Next
| `not/mapped.py` | outside the map |
"""


def test_a_module_without_its_line_is_named(tmp_path: Path) -> None:
    part = _tree(
        tmp_path,
        README,
        ["entrypoints/api.py", "adapters/store.py", "adapters/migrations/versions/0001_a.py"],
    )
    assert module_map(README) == ["entrypoints/api.py", "adapters/store.py"]
    assert unmapped(part) == []
    (part.package / "adapters" / "new_store.py").write_text('"""New."""\n')
    assert unmapped(part) == ["demo: no line for adapters/new_store.py"]


def test_a_line_without_its_module_is_named(tmp_path: Path) -> None:
    part = _tree(tmp_path, README, ["entrypoints/api.py"])
    assert unmapped(part) == ["demo: a line for adapters/store.py, not in the package"]


def test_a_path_or_module_that_is_not_there_is_named(tmp_path: Path) -> None:
    part = _tree(tmp_path, README, ["entrypoints/api.py", "adapters/store.py"])
    text = (
        "`entrypoints/api.py::run`, `adapters/store.run`, `store.py` after `adapters/store.py`\n"
        "`adapters/gone.py` and `adapters/store.missing`\n"
        "`stemkit.ops.audit`, `stemkit.processes.run_consumer`, `python -m stemkit.nowhere`\n"
        "`X-RateLimit-Limit/Remaining`, `application/json`, `/ops/login`, `../shared/docs/a.md`\n"
        "`gone.py` after `entrypoints/api.py`, `adapters/`, `nothing/`\n"
    )
    assert unresolved(text, part.bases) == [
        "2: adapters/gone.py",
        "2: adapters/store.missing",
        "3: stemkit.processes.run_consumer",
        "3: stemkit.nowhere",
        "5: gone.py",
        "5: nothing/",
    ]


def test_the_skeleton_tree_is_read_with_its_optional_lines() -> None:
    text = (
        "```\nservices/<name>/\n  src/<name>/\n    config.py  # settings\n"
        "    service_layer/handlers.py  # consumers only\n  tests/unit/  tests/integration/\n```\n"
    )
    assert template_paths(text) == [
        ("src/<name>/", True),
        ("src/<name>/config.py", True),
        ("src/<name>/service_layer/handlers.py", False),
        ("tests/unit/", True),
        ("tests/integration/", True),
    ]


def test_a_module_the_skeleton_does_not_name_is_named(tmp_path: Path) -> None:
    part = _tree(tmp_path, README, ["entrypoints/api.py", "adapters/store.py", "domain/model.py"])
    text = "### demo\n\n| Stores | `adapters/store.py` |\n\n### other\n\n`adapters/new.py`\n"
    assert unnamed_in_skeleton(text, "demo", part.package) == []
    (part.package / "adapters" / "new.py").write_text('"""New."""\n')
    assert unnamed_in_skeleton(text, "demo", part.package) == ["demo: adapters/new.py"]
