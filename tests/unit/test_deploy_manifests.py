"""The deployment artefacts in ``deploy/`` agree with the code and with Kubernetes' schemas."""

from __future__ import annotations

import inspect
import re
import shlex
from collections.abc import Iterator
from dataclasses import fields
from pathlib import Path
from typing import Any

import kubernetes_validate  # type: ignore[import-untyped]
import pytest
import yaml  # type: ignore[import-untyped]
from dramatiq.brokers.redis import RedisBroker
from dramatiq.brokers.stub import StubBroker

from dispatch.health import health, ready
from dispatch.settings import PREFIX, Settings
from workers.actors import Actors
from workers.broker import DELIVERY_QUEUE

ROOT = Path(__file__).resolve().parents[2]
DEPLOY = ROOT / "deploy"
K8S = DEPLOY / "k8s"
KUBERNETES_VERSIONS = ("1.29.0", kubernetes_validate.latest_version())
KEDA_API_VERSION = "keda.sh/v1alpha1"
WORKLOAD_KINDS = ("Deployment", "Job")

SETTINGS = tuple(PREFIX + f.name.upper() for f in fields(Settings))
# Fields the code keeps out of repr are secrets; URLs and account names carry credentials too.
SECRET_SETTINGS = frozenset(
    {PREFIX + f.name.upper() for f in fields(Settings) if not f.repr}
    | {
        f"{PREFIX}DATABASE_URL",
        f"{PREFIX}BROKER_URL",
        f"{PREFIX}SMTP_USERNAME",
        f"{PREFIX}TWILIO_ACCOUNT_SID",
    }
)
TEST_ONLY_SETTINGS = frozenset({f"{PREFIX}TWILIO_API_BASE"})
SECRET_WORD = re.compile(r"SECRET|PASSWORD|PASSWD|TOKEN|CREDENTIAL|PRIVATE_KEY")
CREDENTIALS_IN_URL = re.compile(r"[a-z][a-z0-9+.-]*://[^/\s:@]+:[^/\s@]+@", re.IGNORECASE)
INTERPOLATION = re.compile(r"^\$\{[A-Z0-9_]+(:?[-?][^}]*)?\}$")


def load_yaml_documents(path: Path) -> list[dict[str, Any]]:
    """Every non-empty document in a YAML file."""
    with path.open(encoding="utf-8") as handle:
        return [doc for doc in yaml.safe_load_all(handle) if doc is not None]


def kustomization() -> dict[str, Any]:
    """``deploy/k8s/kustomization.yaml``."""
    (doc,) = load_yaml_documents(K8S / "kustomization.yaml")
    assert isinstance(doc, dict)
    return doc


def manifests() -> list[tuple[str, dict[str, Any]]]:
    """(file name, document) for every resource the kustomization lists, in its order."""
    return [
        (name, doc)
        for name in kustomization()["resources"]
        for doc in load_yaml_documents(K8S / name)
    ]


def find(kind: str, name: str | None = None) -> list[dict[str, Any]]:
    """The manifests of one kind (and name)."""
    return [
        doc
        for _, doc in manifests()
        if doc.get("kind") == kind and (name is None or doc["metadata"]["name"] == name)
    ]


def one(kind: str, name: str) -> dict[str, Any]:
    """The single manifest of this kind and name."""
    found = find(kind, name)
    assert len(found) == 1, f"expected one {kind} {name!r}, found {len(found)}"
    return found[0]


def workloads() -> list[dict[str, Any]]:
    """The Deployments and Jobs."""
    return [doc for _, doc in manifests() if doc.get("kind") in WORKLOAD_KINDS]


def pod_spec(workload: dict[str, Any]) -> dict[str, Any]:
    """The pod template's spec of a Deployment or Job."""
    spec: dict[str, Any] = workload["spec"]["template"]["spec"]
    return spec


def containers(workload: dict[str, Any]) -> list[dict[str, Any]]:
    """Init and regular containers of a workload."""
    spec = pod_spec(workload)
    return [*spec.get("initContainers", []), *spec["containers"]]


def deployment_running(command: str) -> dict[str, Any]:
    """The Deployment whose container runs ``dispatch COMMAND``."""
    found = [
        doc
        for doc in find("Deployment")
        if any(c.get("args", [None])[0] == command for c in containers(doc))
    ]
    assert len(found) == 1, f"expected one Deployment running {command!r}, found {len(found)}"
    return found[0]


def pod_labels(workload: dict[str, Any]) -> dict[str, str]:
    """The labels of a workload's pods."""
    labels: dict[str, str] = workload["spec"]["template"]["metadata"]["labels"]
    return labels


def strings(value: Any) -> Iterator[str]:
    """Every string (keys and values) in a parsed YAML value."""
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for key, item in value.items():
            yield from strings(key)
            yield from strings(item)
    elif isinstance(value, list):
        for item in value:
            yield from strings(item)


def is_secret_name(name: str) -> bool:
    """Whether an environment variable of this name holds a secret."""
    return name in SECRET_SETTINGS or bool(SECRET_WORD.search(name))


def batch_time_limit_seconds() -> float:
    """The delivery batch actor's time limit, as the workers declare it."""
    actors = Actors(StubBroker(), Settings(secret_key="test-secret"))
    limit: int = actors.deliver_batch.options["time_limit"]
    return limit / 1000


def configmap_data() -> dict[str, str]:
    """The data of the one ConfigMap the workloads read."""
    (configmap,) = find("ConfigMap")
    data: dict[str, str] = configmap["data"]
    return data


# --- Kubernetes ---------------------------------------------------------------------------


def test_kustomization_lists_every_manifest() -> None:
    listed = set(kustomization()["resources"])
    on_disk = {p.name for p in K8S.glob("*.yaml")} - {"kustomization.yaml"}
    assert listed == on_disk


def _schema_cases() -> list[Any]:
    return [
        pytest.param(doc, version, id=f"{name}:{doc['kind']}/{doc['metadata']['name']}@{version}")
        for name, doc in manifests()
        if not str(doc.get("apiVersion", "")).startswith("keda.sh/")
        for version in KUBERNETES_VERSIONS
    ]


@pytest.mark.parametrize(("doc", "version"), _schema_cases())
def test_manifest_matches_the_kubernetes_schema(doc: dict[str, Any], version: str) -> None:
    try:
        kubernetes_validate.validate(doc, version, strict=True)
    except kubernetes_validate.ValidationError as exc:
        where = "/".join(str(part) for part in exc.path)
        pytest.fail(f"{where}: {exc.message}", pytrace=False)


def test_every_manifest_kind_is_known() -> None:
    kinds = {(doc["apiVersion"], doc["kind"]) for _, doc in manifests()}
    assert kinds == {
        ("v1", "ConfigMap"),
        ("v1", "Service"),
        ("apps/v1", "Deployment"),
        ("batch/v1", "Job"),
        ("autoscaling/v2", "HorizontalPodAutoscaler"),
        ("policy/v1", "PodDisruptionBudget"),
        (KEDA_API_VERSION, "ScaledObject"),
        (KEDA_API_VERSION, "TriggerAuthentication"),
    }


def test_keda_scales_the_workers_on_the_dramatiq_queue_list() -> None:
    namespace = inspect.signature(RedisBroker.__init__).parameters["namespace"].default
    worker = deployment_running("worker")
    (scaled,) = find("ScaledObject")

    assert scaled["apiVersion"] == KEDA_API_VERSION
    target = scaled["spec"]["scaleTargetRef"]
    assert target.get("kind", "Deployment") == "Deployment"
    assert target.get("apiVersion", "apps/v1") == "apps/v1"
    assert target["name"] == worker["metadata"]["name"]
    assert scaled["spec"]["minReplicaCount"] >= 1, "the sweeper runs in the workers"
    assert scaled["spec"]["maxReplicaCount"] >= scaled["spec"]["minReplicaCount"]

    (trigger,) = [t for t in scaled["spec"]["triggers"] if t["type"] == "redis"]
    metadata = trigger["metadata"]
    assert metadata["listName"] == f"{namespace}:{DELIVERY_QUEUE}" == "dramatiq:deliveries"
    assert isinstance(metadata["listLength"], str)
    assert int(metadata["listLength"]) > 0
    assert not {"password", "passwordFromEnv", "address"} & set(metadata)

    auth = one("TriggerAuthentication", trigger["authenticationRef"]["name"])
    assert auth["apiVersion"] == KEDA_API_VERSION
    refs = {ref["parameter"]: ref for ref in auth["spec"]["secretTargetRef"]}
    assert {"address", "password"} <= set(refs)
    assert all(ref["name"] and ref["key"] for ref in refs.values())


def test_autoscaled_deployments_leave_replicas_to_the_autoscaler() -> None:
    api = deployment_running("serve")
    worker = deployment_running("worker")
    (hpa,) = find("HorizontalPodAutoscaler")
    assert hpa["spec"]["scaleTargetRef"] == {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "name": api["metadata"]["name"],
    }
    assert hpa["spec"]["minReplicas"] >= 2
    assert hpa["spec"]["maxReplicas"] >= hpa["spec"]["minReplicas"]
    assert "replicas" not in api["spec"]
    assert "replicas" not in worker["spec"]


def test_api_probes_use_the_health_routes() -> None:
    api = deployment_running("serve")
    (container,) = containers(api)
    args = container["args"]
    port = int(args[args.index("--port") + 1])
    ports = {p["name"]: p["containerPort"] for p in container["ports"]}

    liveness = container["livenessProbe"]["httpGet"]
    readiness = container["readinessProbe"]["httpGet"]
    assert liveness["path"] in health.paths
    assert readiness["path"] in ready.paths
    for probe in (liveness, readiness):
        assert ports.get(probe["port"], probe["port"]) == port


def test_worker_probe_and_metrics_settings_agree() -> None:
    worker = deployment_running("worker")
    (container,) = containers(worker)
    ports = {p["name"]: p["containerPort"] for p in container["ports"]}
    probe = container["livenessProbe"]["httpGet"]
    data = configmap_data()
    assert ports.get(probe["port"], probe["port"]) == int(data[f"{PREFIX}WORKER_METRICS_PORT"])
    assert data[f"{PREFIX}WORKER_METRICS_HOST"] == "0.0.0.0"


def test_worker_grace_period_lets_a_batch_finish() -> None:
    worker = deployment_running("worker")
    assert pod_spec(worker)["terminationGracePeriodSeconds"] > batch_time_limit_seconds()


def test_migration_job_runs_db_upgrade() -> None:
    (job,) = find("Job")
    (container,) = containers(job)
    assert container["args"] == ["db", "upgrade"]
    assert pod_spec(job)["restartPolicy"] in ("Never", "OnFailure")


@pytest.mark.parametrize("command", ["serve", "worker", "mail-in"])
def test_a_disruption_budget_covers_the_deployment(command: str) -> None:
    labels = pod_labels(deployment_running(command)).items()
    budgets = [
        pdb
        for pdb in find("PodDisruptionBudget")
        if pdb["spec"]["selector"]["matchLabels"].items() <= labels
    ]
    assert len(budgets) == 1


def test_service_routes_to_the_api_port() -> None:
    api = deployment_running("serve")
    (service,) = [
        s for s in find("Service") if s["spec"]["selector"].items() <= pod_labels(api).items()
    ]
    (container,) = containers(api)
    assert service["spec"]["selector"].items() <= pod_labels(api).items()
    port_names = {p["name"] for p in container["ports"]}
    assert all(p["targetPort"] in port_names for p in service["spec"]["ports"])


def test_workloads_run_unprivileged_with_resources() -> None:
    assert len(workloads()) == 4
    for workload in workloads():
        name = workload["metadata"]["name"]
        pod = pod_spec(workload)
        assert pod["securityContext"]["runAsNonRoot"] is True, name
        assert pod["securityContext"].get("runAsUser", 1) != 0, name
        writable = {
            mount["mountPath"] for c in containers(workload) for mount in c.get("volumeMounts", [])
        }
        for container in containers(workload):
            resources = container["resources"]
            for bound in ("requests", "limits"):
                assert {"cpu", "memory"} <= set(resources[bound]), (name, bound)
            context = container["securityContext"]
            assert context["allowPrivilegeEscalation"] is False, name
            assert context.get("runAsUser", 1) != 0, name
            if context.get("readOnlyRootFilesystem"):
                assert "/tmp" in writable, f"{name} writes temporary files"


def test_workloads_share_one_image_that_kustomize_sets() -> None:
    images = {c["image"] for w in workloads() for c in containers(w)}
    assert len(images) == 1
    (image,) = images
    names = {entry["name"] for entry in kustomization()["images"]}
    assert image.split(":")[0] in names


def test_deployments_receive_every_setting() -> None:
    (configmap,) = find("ConfigMap")
    data = configmap_data()
    assert set(data) <= set(SETTINGS), "a ConfigMap key the service does not read"
    for workload in workloads():
        (container,) = containers(workload)
        from_configmap = {
            source["configMapRef"]["name"]
            for source in container.get("envFrom", [])
            if "configMapRef" in source
        }
        assert from_configmap == {configmap["metadata"]["name"]}
        from_secret = {e["name"] for e in container.get("env", []) if "valueFrom" in e}
        assert {f"{PREFIX}DATABASE_URL", f"{PREFIX}SECRET_KEY"} <= from_secret
        if workload["kind"] == "Deployment":
            assert set(data) | from_secret == set(SETTINGS) - TEST_ONLY_SETTINGS


def test_no_manifest_inlines_a_secret() -> None:
    assert not [doc for _, doc in manifests() if doc["kind"] == "Secret"]
    assert not [key for key in configmap_data() if is_secret_name(key)]
    for workload in workloads():
        for container in containers(workload):
            for var in container.get("env", []):
                if is_secret_name(var["name"]):
                    assert "value" not in var, var["name"]
                    assert var["valueFrom"]["secretKeyRef"]["key"], var["name"]
    for name, doc in manifests():
        leaked = [s for s in strings(doc) if CREDENTIALS_IN_URL.search(s)]
        assert not leaked, f"{name} holds credentials in a URL"


# --- compose ------------------------------------------------------------------------------


def compose() -> dict[str, Any]:
    """``deploy/compose.yaml``."""
    (doc,) = load_yaml_documents(DEPLOY / "compose.yaml")
    assert isinstance(doc, dict)
    return doc


def seconds(duration: str) -> float:
    """A compose duration such as ``330s`` or ``5m30s`` in seconds."""
    units = {"h": 3600.0, "m": 60.0, "s": 1.0}
    parts = re.fullmatch(r"(?:(\d+)h)?(?:(\d+)m)?(?:(\d+)s)?", duration)
    assert duration
    assert parts is not None, duration
    return sum(float(n) * u for n, u in zip(parts.groups(), units.values(), strict=True) if n)


def test_compose_has_the_services_and_their_order() -> None:
    services = compose()["services"]
    assert {"api", "worker", "migrate", "postgres", "redis", "mailpit"} <= set(services)
    assert services["api"]["deploy"]["replicas"] == 2
    assert services["migrate"]["command"] == ["db", "upgrade"]
    assert services["api"]["command"][0] == "serve"
    assert services["worker"]["command"][0] == "worker"
    for name in ("api", "worker"):
        migrate = services[name]["depends_on"]["migrate"]
        assert migrate["condition"] == "service_completed_successfully", name
    assert services["migrate"]["depends_on"]["postgres"]["condition"] == "service_healthy"
    assert services["mailpit"]["image"].startswith("axllent/mailpit")
    assert seconds(services["worker"]["stop_grace_period"]) > batch_time_limit_seconds()


def test_compose_takes_settings_from_the_env_file() -> None:
    services = compose()["services"]
    for name in ("api", "worker", "migrate"):
        env_files = [e if isinstance(e, str) else e["path"] for e in services[name]["env_file"]]
        assert env_files == [".env"], name
        assert services[name]["build"]["dockerfile"] == "deploy/Dockerfile"


def test_compose_inlines_no_secret() -> None:
    for name, service in compose()["services"].items():
        environment = service.get("environment", {})
        if isinstance(environment, list):
            environment = dict(item.split("=", 1) for item in environment)
        for key, value in environment.items():
            if is_secret_name(key):
                assert INTERPOLATION.match(str(value)), f"{name}: {key} is written in compose.yaml"
    assert not [s for s in strings(compose()) if CREDENTIALS_IN_URL.search(s)]


# --- .env.example -------------------------------------------------------------------------


ASSIGNMENT = re.compile(r"^([A-Z][A-Z0-9_]*)=(.*)$")
DEFAULT_NOTE = re.compile(r"\(default: ([^()]*)\)$")


def env_example() -> list[tuple[str, str, str]]:
    """(name, value, comment line above it) for every assignment in ``deploy/.env.example``."""
    lines = (DEPLOY / ".env.example").read_text(encoding="utf-8").splitlines()
    entries = []
    for number, line in enumerate(lines):
        match = ASSIGNMENT.match(line)
        if match:
            above = lines[number - 1] if number else ""
            entries.append((match[1], match[2], above))
    return entries


def written_default(value: object) -> str:
    """A setting's default as ``.env.example`` writes it."""
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if value == "":
        return "empty"
    return str(value)


def test_env_example_documents_every_setting_and_no_other() -> None:
    names = [name for name, _, _ in env_example() if name.startswith(PREFIX)]
    assert len(names) == len(set(names)), "a setting written twice"
    assert sorted(set(SETTINGS) - set(names)) == [], "settings missing from .env.example"
    assert sorted(set(names) - set(SETTINGS)) == [], "not settings of dispatch/settings.py"


def test_env_example_gives_each_default_in_a_comment() -> None:
    defaults = {PREFIX + f.name.upper(): f.default for f in fields(Settings)}
    for name, _, above in env_example():
        if not name.startswith(PREFIX):
            continue
        assert above.startswith("# "), f"{name} has no comment"
        note = DEFAULT_NOTE.search(above)
        assert note, f"{name}: the comment does not end with (default: …)"
        expected = written_default(defaults[name])
        assert note[1] == expected or note[1].startswith(expected + ","), (name, note[1])


def test_env_example_values_are_valid_settings() -> None:
    environ = {name: value for name, value, _ in env_example() if name.startswith(PREFIX)}
    environ[f"{PREFIX}SECRET_KEY"] = "test-secret-of-at-least-thirty-two-bytes"
    Settings.from_env(environ)


# --- Dockerfile and .dockerignore ---------------------------------------------------------


def dockerfile() -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) of ``deploy/Dockerfile``, continuation lines joined."""
    instructions: list[tuple[str, str]] = []
    pending = ""
    for raw in (DEPLOY / "Dockerfile").read_text(encoding="utf-8").splitlines():
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        if line.endswith("\\"):
            pending += line[:-1] + " "
            continue
        keyword, _, rest = (pending + line).partition(" ")
        instructions.append((keyword.upper(), rest.strip()))
        pending = ""
    assert not pending, "a continuation line ends the Dockerfile"
    return instructions


def final_stage() -> list[tuple[str, str]]:
    """The instructions from the last ``FROM`` on."""
    instructions = dockerfile()
    last = max(i for i, (keyword, _) in enumerate(instructions) if keyword == "FROM")
    return instructions[last:]


def build_args() -> dict[str, str]:
    """Every ``ARG NAME=default``."""
    args = {}
    for keyword, rest in dockerfile():
        if keyword == "ARG" and "=" in rest:
            name, _, value = rest.partition("=")
            args[name] = value
    return args


def test_dockerfile_is_multi_stage_on_python_311_slim() -> None:
    args = build_args()
    bases = [rest.split()[0] for keyword, rest in dockerfile() if keyword == "FROM"]
    assert len(bases) >= 2
    for base in bases:
        resolved = re.sub(r"\$\{(\w+)\}", lambda m: args[m[1]], base)
        assert resolved == "python:3.11-slim"


def test_dockerfile_runs_as_a_user_that_is_not_root() -> None:
    users = [rest for keyword, rest in final_stage() if keyword == "USER"]
    assert users, "the final stage sets no USER"
    user, _, group = users[-1].partition(":")
    assert user not in ("root", "0")
    assert group not in ("root", "0")


def test_dockerfile_installs_the_locked_dependencies_with_the_makefile_uv() -> None:
    makefile = (ROOT / "Makefile").read_text(encoding="utf-8")
    pinned = re.search(r"^UV_VERSION\s*:?=\s*(\S+)", makefile, re.MULTILINE)
    assert pinned is not None
    assert build_args()["UV_VERSION"] == pinned[1]
    runs = [rest for keyword, rest in dockerfile() if keyword == "RUN"]
    assert any('uv=="${UV_VERSION}"' in run or "uv==${UV_VERSION}" in run for run in runs)
    syncs = [shlex.split(run) for run in runs if "uv sync" in run]
    assert syncs
    for sync in syncs:
        assert "--frozen" in sync
        assert "--no-dev" in sync


def test_dockerfile_compiles_the_catalogs() -> None:
    runs = " ".join(rest for keyword, rest in dockerfile() if keyword == "RUN")
    assert "-m translations compile" in runs


def test_dockerfile_health_check_and_roles() -> None:
    stage = final_stage()
    (check,) = [rest for keyword, rest in stage if keyword == "HEALTHCHECK"]
    assert "urllib.request" in check
    (path,) = health.paths
    assert f":8000{path}'" in check
    (entrypoint,) = [rest for keyword, rest in stage if keyword == "ENTRYPOINT"]
    assert yaml.safe_load(entrypoint) == ["dispatch"]
    (command,) = [rest for keyword, rest in stage if keyword == "CMD"]
    assert yaml.safe_load(command)[:3] == ["serve", "--host", "0.0.0.0"]


def test_dockerignore_keeps_local_state_out_of_the_build() -> None:
    entries = {
        line.strip().rstrip("/")
        for line in (ROOT / ".dockerignore").read_text(encoding="utf-8").splitlines()
        if line.strip() and not line.startswith("#")
    }
    required = {
        ".git",
        ".venv",
        ".tools",
        "var",
        "test-artifacts",
        ".pytest_cache",
        ".mypy_cache",
        ".ruff_cache",
        "**/__pycache__",
        "**/.env",
    }
    assert required <= entries
