"""deploy/kubernetes without a cluster: what can be checked offline, checked.

- values.yaml, merged over the chart's defaults as Helm does, validates against the chart's own schema
  (both vendored from zero-to-jupyterhub-k8s 4.4.0 in deploy/kubernetes/z2jh-4.4.0/);
- its hub.extraConfig runs against a stub of the chart's z2jh module and gives each roster person their
  own uid, the instructors their group, and nobody else a server;
- formgrader.yaml agrees with values.yaml (service name, port, token key, OAuth client, roster, mounts);
- the student image never receives solutions/.
"""

from __future__ import annotations

import copy
import sys
import types
from pathlib import Path

import pytest
import yaml

KUBE = Path(__file__).resolve().parents[1] / "deploy" / "kubernetes"
CHART = KUBE / "z2jh-4.4.0"


def helm_merge(base: dict, override: dict) -> dict:
    """Helm's values merge: maps merge key by key, anything else replaces, null removes."""
    out = copy.deepcopy(base)
    for key, value in override.items():
        if value is None:
            out.pop(key, None)
        elif isinstance(value, dict) and isinstance(out.get(key), dict):
            out[key] = helm_merge(out[key], value)
        else:
            out[key] = copy.deepcopy(value)
    return out


@pytest.fixture(scope="module")
def values() -> dict:
    return yaml.safe_load((KUBE / "values.yaml").read_text())


@pytest.fixture(scope="module")
def merged(values: dict) -> dict:
    return helm_merge(yaml.safe_load((CHART / "values.yaml").read_text()), values)


@pytest.fixture(scope="module")
def manifests() -> dict[str, dict]:
    docs = [d for d in yaml.safe_load_all((KUBE / "formgrader.yaml").read_text()) if d]
    return {f"{d['kind']}/{d['metadata']['name']}": d for d in docs}


def test_values_validate_against_the_charts_schema(merged: dict) -> None:
    import jsonschema

    schema = yaml.safe_load((CHART / "values.schema.yaml").read_text())
    validator = jsonschema.Draft7Validator(schema)
    errors = [f"{'.'.join(map(str, e.absolute_path))}: {e.message}" for e in validator.iter_errors(merged)]
    assert errors == []
    typo = copy.deepcopy(merged)
    typo["singleuser"]["storage"]["homeMountpath"] = "/home/x"  # the check is not vacuous
    assert any("homeMountpath" in e.message for e in validator.iter_errors(typo))


def roster(values: dict) -> list[list[str]]:
    return [line.split(":") for line in values["custom"]["brinkmanship"]["passwd"].splitlines()]


def test_roster_is_a_consistent_passwd(values: dict) -> None:
    lines = roster(values)
    assert all(len(fields) == 7 for fields in lines)
    uids = [int(f[2]) for f in lines]
    assert len(uids) == len(set(uids)), "a uid is used twice"
    grader = next(f for f in lines if f[0] == "brinkmanship-grader")
    assert int(grader[3]) == values["custom"]["brinkmanship"]["instructorsGid"]
    people = [f for f in lines if f[4] in ("student", "instructor")]
    assert people and all(int(f[2]) >= 1000 and int(f[2]) == int(f[3]) for f in people)  # private groups
    assert values["singleuser"]["extraFiles"]["passwd"]["stringData"] == values["custom"]["brinkmanship"]["passwd"]


class _User:
    def __init__(self, name: str) -> None:
        self.name = name


class _Spawner:
    def __init__(self, name: str) -> None:
        self.user = _User(name)


def test_extra_config_gives_each_person_their_own_identity(merged: dict, monkeypatch) -> None:
    from traitlets.config import Config

    def get_config(key: str, default=None):
        node = merged
        for part in key.split("."):
            if not isinstance(node, dict) or part not in node:
                return default
            node = node[part]
        return node

    monkeypatch.setitem(sys.modules, "z2jh", types.SimpleNamespace(get_config=get_config))
    c = Config()
    for _name, source in sorted(merged["hub"]["extraConfig"].items()):
        exec(compile(source, "hub.extraConfig", "exec"), {"c": c})  # as the chart's jupyterhub_config.py does
    people = {f[0]: f for f in roster(merged) if f[4] in ("student", "instructor")}
    assert c.Authenticator.allowed_users == set(people)
    for name, fields in people.items():
        spawner = _Spawner(name)
        assert c.KubeSpawner.uid(spawner) == int(fields[2])
        assert c.KubeSpawner.gid(spawner) == c.KubeSpawner.fs_gid(spawner) == int(fields[3])
        extra = c.KubeSpawner.supplemental_gids(spawner)
        assert extra == ([2000] if fields[4] == "instructor" else [])
    with pytest.raises(ValueError, match="not on the class roster"):
        c.KubeSpawner.uid(_Spawner("mallory"))
    instructors = sorted(n for n, f in people.items() if f[4] == "instructor")
    assert c.JupyterHub.load_groups == {"brinkmanship-instructors": {"users": instructors}}
    role = merged["hub"]["loadRoles"]["brinkmanship-instructors"]
    assert role["groups"] == ["brinkmanship-instructors"]
    assert "access:services!service=brinkmanship" in role["scopes"]


def test_formgrader_manifest_matches_the_values(values: dict, manifests: dict[str, dict]) -> None:
    ((name, service),) = values["hub"]["services"].items()
    deployment = manifests["Deployment/brinkmanship-formgrader"]
    pod = deployment["spec"]["template"]["spec"]
    container = pod["containers"][0]
    env = {e["name"]: e for e in container["env"]}
    assert env["JUPYTERHUB_SERVICE_NAME"]["value"] == name
    assert env["JUPYTERHUB_SERVICE_PREFIX"]["value"] == f"/services/{name}/"
    assert env["JUPYTERHUB_CLIENT_ID"]["value"] == service["oauth_client_id"]
    assert env["JUPYTERHUB_OAUTH_CALLBACK_URL"]["value"] == service["oauth_redirect_uri"]
    token = env["JUPYTERHUB_API_TOKEN"]["valueFrom"]["secretKeyRef"]
    assert token == {"name": "hub", "key": f"hub.services.{name}.apiToken"}  # where the chart puts it
    assert "secretKeyRef" in env["BRINKMANSHIP_DB_URL"]["valueFrom"]  # the password stays in a Secret

    svc = manifests["Service/brinkmanship-formgrader"]
    host, port = service["url"].removeprefix("http://").split(":")
    assert host == svc["metadata"]["name"] and int(port) == svc["spec"]["ports"][0]["port"]
    assert f"--port={port}" in container["command"]

    grader = next(f for f in roster(values) if f[0] == "brinkmanship-grader")
    assert container["securityContext"]["runAsUser"] == int(grader[2])
    assert container["securityContext"]["runAsGroup"] == int(grader[3])
    assert env["JUPYTERHUB_USER"]["value"] == grader[0]
    passwd = next(v for v in pod["volumes"] if v["name"] == "passwd")["secret"]
    assert passwd["secretName"] == "singleuser" and passwd["items"][0]["key"] in values["singleuser"]["extraFiles"]

    exchange = values["custom"]["brinkmanship"]["exchange"]
    mounts = {m["name"]: m["mountPath"] for m in container["volumeMounts"]}
    assert mounts["exchange"] == exchange
    user_mounts = {m["name"]: m["mountPath"] for m in values["singleuser"]["storage"]["extraVolumeMounts"]}
    assert user_mounts["exchange"] == exchange
    claim = values["singleuser"]["storage"]["extraVolumes"][0]["persistentVolumeClaim"]["claimName"]
    assert manifests[f"PersistentVolumeClaim/{claim}"]["spec"]["accessModes"] == ["ReadWriteMany"]
    policy = manifests["NetworkPolicy/brinkmanship-formgrader"]["spec"]
    assert policy["ingress"][0]["from"][0]["podSelector"]["matchLabels"]["component"] == "proxy"


def test_student_image_gets_no_solutions() -> None:
    text = (KUBE / "Dockerfile").read_text()
    student, _, instructor = text.partition("AS formgrader")
    student_stage = student.split("AS singleuser", 1)[1]
    assert "solutions" not in student_stage.split("# Formgrader adds")[0]
    assert "COPY solutions" in instructor
    assert "COPY . /src" in student.split("AS singleuser")[0]  # only the wheel build sees the whole tree
