"""Replay the build stage of each service's image without Docker, and import its code.

    uv run python -m tools.k8s.images [SERVICE ...]
    uv run python -m tools.k8s.images --commands     # the `docker build` command of each

One Dockerfile builds every service's image: `deploy/docker/Dockerfile`, with the build
args SERVICE and PORT (`build_args`). Our machines have no Docker engine, so this follows
its build stage by hand in a temporary folder, for each service: the build args put in, the
same COPY instructions from the repository root (through .dockerignore), the same ENV and
the same `uv sync` commands, with this machine's Python 3.11 instead of the base image's.
Then the resulting venv must import every entrypoint the manifests run (API, relay,
consumer, CLI). That catches a file the Dockerfile forgot to copy, a dependency missing from
the service's pyproject.toml, and a lock that does not cover the service. What it cannot
check: the base image itself, and the runtime stage as Docker runs it (tests/deploy reads it).
"""

from __future__ import annotations

import os
import re
import shlex
import shutil
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from tools.k8s.inventory import REPO_ROOT, SERVICES, Service


def logical_lines(text: str) -> list[str]:
    out: list[str] = []
    current = ""
    for raw in text.splitlines():
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        if line.endswith("\\"):
            current += line[:-1] + " "
            continue
        out.append(current + line)
        current = ""
    return out


DOCKERFILE = REPO_ROOT / "deploy" / "docker" / "Dockerfile"


def build_args(svc: Service) -> dict[str, str]:
    return {"SERVICE": svc.name, "PORT": str(svc.port)}


def build_command(svc: Service) -> str:
    args = " ".join(f"--build-arg {k}={v}" for k, v in build_args(svc).items())
    return f"docker build -f deploy/docker/Dockerfile {args} -t stem/{svc.name}:<version> ."


def substitute(line: str, args: dict[str, str]) -> str:
    """Put the build args' values in for ``${NAME}`` and ``$NAME``; anything else stays."""

    def value(match: re.Match[str]) -> str:
        name = match.group(1) or match.group(2)
        return args.get(name, match.group(0))

    return re.sub(r"\$\{(\w+)\}|\$(\w+)", value, line)


def stages(dockerfile: Path, args: dict[str, str]) -> list[list[str]]:
    """The instructions of each stage after its FROM line, with the build args (and each
    stage's `ARG NAME=default`) put in, as Docker does for the instructions it expands."""
    found: list[list[str]] = []
    scope: dict[str, str] = {}
    for line in logical_lines(dockerfile.read_text()):
        if line.startswith("FROM "):
            found.append([])
            scope = {}  # an ARG is known only in the stage that declares it
            continue
        word, _, rest = line.partition(" ")
        if word == "ARG":
            name, _, default = rest.partition("=")
            if name in args:
                scope[name] = args[name]
            elif default:
                scope[name] = default
        if found:
            found[-1].append(substitute(line, scope) if word != "ARG" else line)
    return found


def build_stage(dockerfile: Path, args: dict[str, str]) -> list[str]:
    lines = logical_lines(dockerfile.read_text())
    first = next(i for i, line in enumerate(lines) if line.startswith("FROM "))
    if not re.match(r"FROM .* AS build$", lines[first]):
        raise SystemExit(f"{dockerfile}: the first stage is not `AS build`")
    return stages(dockerfile, args)[0]


def runtime_stage(dockerfile: Path, args: dict[str, str]) -> list[str]:
    return stages(dockerfile, args)[-1]


def replay(svc: Service, work: Path) -> Path:
    """Run the build stage of the service's image in `work`; the venv it made."""
    env = {**os.environ, "UV_PYTHON": sys.executable, "UV_PYTHON_DOWNLOADS": "never"}
    env.pop("VIRTUAL_ENV", None)
    cwd = work
    venv = work / "venv"
    for line in build_stage(DOCKERFILE, build_args(svc)):
        word, _, rest = line.partition(" ")
        if word == "WORKDIR":
            cwd = work / rest.strip().lstrip("/")
            cwd.mkdir(parents=True, exist_ok=True)
        elif word == "ENV":
            for key, value in (part.split("=", 1) for part in shlex.split(rest)):
                env[key] = value
        elif word == "COPY":
            *sources, dest = shlex.split(rest)
            for src in sources:
                target = cwd / dest if not dest.endswith("/") else cwd / dest / Path(src).name
                source = REPO_ROOT / src
                target.parent.mkdir(parents=True, exist_ok=True)
                if source.is_dir():
                    shutil.copytree(
                        source, target, ignore=shutil.ignore_patterns("__pycache__", "*.pyc")
                    )
                else:
                    shutil.copy(source, target)
        elif word == "RUN" and rest.startswith("uv sync"):
            env["UV_PROJECT_ENVIRONMENT"] = str(venv)
            env["UV_COMPILE_BYTECODE"] = "0"  # the same packages, faster; no effect on imports
            subprocess.run(shlex.split(rest), cwd=cwd, env=env, check=True, capture_output=True)
        elif word in ("RUN", "ARG"):
            continue  # installing uv itself (this machine has it), the build args' check
        else:
            raise SystemExit(f"{DOCKERFILE}: no replay for {word}")
    return venv


def modules(svc: Service) -> list[str]:
    names = [f"{svc.name}.entrypoints.api"]
    if svc.relay_metrics_port is not None:
        names.append(f"{svc.name}.entrypoints.relay")
    if svc.consumer is not None:
        names.append(f"{svc.name}.entrypoints.consumer")
    if svc.database:
        names.append(f"{svc.name}.entrypoints.cli")
    return names


def check(svc: Service) -> tuple[bool, str]:
    started = time.monotonic()
    with tempfile.TemporaryDirectory(prefix=f"image-{svc.name}-") as tmp:
        try:
            venv = replay(svc, Path(tmp))
        except subprocess.CalledProcessError as exc:
            return False, f"uv sync failed: {exc.stderr.decode(errors='replace')[-2000:]}"
        wanted = modules(svc)
        code = "import importlib, sys\nfor m in sys.argv[1:]: importlib.import_module(m)"
        result = subprocess.run(
            [str(venv / "bin" / "python"), "-c", code, *wanted],
            cwd=tmp,  # not the repository: only what the image has
            capture_output=True,
            text=True,
            check=False,
            env={k: v for k, v in os.environ.items() if k != "PYTHONPATH"},
        )
        if result.returncode != 0:
            return False, f"import failed: {result.stderr[-2000:]}"
        packages = len(list((venv / "lib").glob("python3*/site-packages/*.dist-info")))
    return True, (
        f"{packages} packages, imports {', '.join(wanted)} ({time.monotonic() - started:.1f} s)"
    )


def main(argv: list[str]) -> int:
    if argv == ["--commands"]:
        for svc in SERVICES:
            print(build_command(svc))
        return 0
    chosen = [s for s in SERVICES if not argv or s.name in argv]
    failed = 0
    # In parallel: most of the time goes to building the workspace wheels (uv's isolated
    # builds), not to the CPU.
    with ThreadPoolExecutor(max_workers=4) as pool:
        results = list(pool.map(check, chosen))
    for svc, (ok, message) in zip(chosen, results, strict=True):
        print(f"{'ok  ' if ok else 'FAIL'} {svc.name} image build stage: {message}")
        failed += not ok
    where = DOCKERFILE.relative_to(REPO_ROOT)
    print(f"image build stages replayed ({where}): {len(chosen)}, failed: {failed}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
