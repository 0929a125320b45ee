"""One Dockerfile builds the image of every service (deploy/docker/Dockerfile, issue 20): what
it does for each service, read the way tools/k8s/images.py replays it (no Docker engine
here; `scripts/check-deploy.sh` replays the build stage and imports the entrypoints)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tools.k8s import images
from tools.k8s.inventory import REPO_ROOT, SERVICES, Service

README = REPO_ROOT / "deploy" / "docker" / "README.md"


def test_one_dockerfile_and_no_copy_per_service() -> None:
    assert images.DOCKERFILE == REPO_ROOT / "deploy" / "docker" / "Dockerfile"
    assert images.DOCKERFILE.is_file()
    assert sorted(REPO_ROOT.glob("services/*/Dockerfile")) == []
    assert sorted(p.name for p in REPO_ROOT.glob("**/Dockerfile*") if ".venv" not in p.parts) == [
        "Dockerfile"
    ]


@pytest.mark.parametrize("svc", SERVICES, ids=lambda s: s.name)
def test_the_build_stage_copies_and_syncs_only_that_service(svc: Service) -> None:
    lines = images.build_stage(images.DOCKERFILE, images.build_args(svc))
    assert not [line for line in lines if "${SERVICE}" in line or "$SERVICE" in line]
    assert f"COPY services/{svc.name}/src services/{svc.name}/src" in lines
    sources = [line.split()[1] for line in lines if line.startswith("COPY services/")]
    assert [s for s in sources if s.endswith("/src")] == [f"services/{svc.name}/src"]
    syncs = [line for line in lines if line.startswith("RUN uv sync")]
    assert len(syncs) == 2
    assert all(line.endswith(f"--package stem-{svc.name}") for line in syncs)


@pytest.mark.parametrize("svc", SERVICES, ids=lambda s: s.name)
def test_the_runtime_stage_serves_the_service_on_its_port(svc: Service) -> None:
    lines = images.runtime_stage(images.DOCKERFILE, images.build_args(svc))
    assert f"EXPOSE {svc.port}" in lines
    env = " ".join(line for line in lines if line.startswith("ENV "))
    assert f"STEM_IMAGE_SERVICE={svc.name}" in env
    assert f"STEM_IMAGE_PORT={svc.port}" in env
    assert "STEM_ENV=production" in env
    assert "USER 10001:10001" in lines
    cmd = next(line for line in lines if line.startswith("CMD "))
    # the CMD reads the service and port from the image's ENV (no build arg reaches a CMD)
    assert "${STEM_IMAGE_SERVICE}.entrypoints.api:create_app" in cmd
    assert '--port \\"${STEM_IMAGE_PORT}\\"' in cmd
    health = next(line for line in lines if line.startswith("HEALTHCHECK "))
    assert "STEM_IMAGE_PORT" in health and "/healthz" in health


def test_a_build_without_a_service_is_refused_before_it_starts() -> None:
    lines = images.build_stage(images.DOCKERFILE, {})
    first_run = next(line for line in lines if line.startswith("RUN "))
    assert 'test -n "${SERVICE}"' in first_run
    runtime = images.runtime_stage(images.DOCKERFILE, {})
    assert 'test -n "${PORT}"' in next(line for line in runtime if line.startswith("RUN "))


def test_substitution_leaves_what_is_not_a_build_arg() -> None:
    line = 'RUN a ${SERVICE} $SERVICE ${SERVICES} $PATH ${UV_VERSION} "${PORT}"'
    assert images.substitute(line, {"SERVICE": "registry", "PORT": "8001"}) == (
        'RUN a registry registry ${SERVICES} $PATH ${UV_VERSION} "8001"'
    )


def test_the_readme_gives_the_build_command_of_every_service() -> None:
    text = README.read_text()
    for svc in SERVICES:
        assert images.build_command(svc) in text, svc.name
    assert re.search(
        r"--build-arg SERVICE=\w+ --build-arg PORT=\d+", images.build_command(SERVICES[0])
    )


def test_no_doc_points_at_a_service_dockerfile() -> None:
    tracked = [
        p
        for p in (
            *REPO_ROOT.glob("**/*.md"),
            *REPO_ROOT.glob("scripts/*.sh"),
            *REPO_ROOT.glob("tools/**/*.py"),
        )
        if ".venv" not in p.parts
        and "var" not in p.parts[len(REPO_ROOT.parts) :][:1]
        and p != Path(__file__).resolve()
        and "adr" not in p.parts  # decision records tell what was before: history, not a pointer
    ]
    stale = [
        str(p.relative_to(REPO_ROOT))
        for p in tracked
        if re.search(r"services/(\w+|<service>|\*)/Dockerfile", p.read_text(errors="replace"))
    ]
    assert stale == []
