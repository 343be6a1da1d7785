"""The AWS calls the code makes, read from its source (no AWS needed): the IAM actions they need.

Two kinds of calls are recognised:
- boto3, through ``chalicelib.aws.clients``: ``clients.dynamodb().put_item(...)``, or a name
  bound to such a client (``client = clients.dynamodb()``), or a paginator it made;
- PynamoDB models (classes deriving from ``Model``): ``Job.get(...)``, ``job.save(...)``,
  ``job.update(actions=...)``, ``Job.<index>.query(...)`` and the like, in modules that define or
  import a model.

``actions_of(modules)`` maps each call to its IAM actions; ``closure(module)`` follows
``chalicelib`` imports, so a function's code is the closure of its entry module.
"""

from __future__ import annotations

import ast
from functools import cache, lru_cache
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

# boto3 operation -> IAM actions (S3's HEAD needs GetObject; its 404 needs ListBucket).
BOTO3: dict[tuple[str, str], set[str]] = {
    ("dynamodb", "query"): {"dynamodb:Query"},
    ("dynamodb", "scan"): {"dynamodb:Scan"},
    ("dynamodb", "get_item"): {"dynamodb:GetItem"},
    ("dynamodb", "put_item"): {"dynamodb:PutItem"},
    ("dynamodb", "update_item"): {"dynamodb:UpdateItem"},
    ("dynamodb", "delete_item"): {"dynamodb:DeleteItem"},
    ("dynamodb", "batch_write_item"): {"dynamodb:BatchWriteItem"},
    ("dynamodb", "batch_get_item"): {"dynamodb:BatchGetItem"},
    ("s3", "head_object"): {"s3:GetObject", "s3:ListBucket"},
    ("s3", "get_object"): {"s3:GetObject"},
    ("s3", "put_object"): {"s3:PutObject"},
    ("s3", "download_file"): {"s3:GetObject"},
    ("s3", "upload_file"): {"s3:PutObject", "s3:AbortMultipartUpload"},
    ("sqs", "get_queue_url"): {"sqs:GetQueueUrl"},
    ("sqs", "send_message"): {"sqs:SendMessage"},
    ("sqs", "change_message_visibility"): {"sqs:ChangeMessageVisibility"},
    ("sqs", "get_queue_attributes"): {"sqs:GetQueueAttributes"},
}
# A transaction needs the action of each of its parts.
TRANSACTION_PARTS = {
    "Put": "dynamodb:PutItem",
    "Update": "dynamodb:UpdateItem",
    "Delete": "dynamodb:DeleteItem",
    "ConditionCheck": "dynamodb:ConditionCheckItem",
}
PYNAMODB_CLASS = {
    "get": "dynamodb:GetItem",
    "query": "dynamodb:Query",
    "count": "dynamodb:Query",
    "scan": "dynamodb:Scan",
    "batch_get": "dynamodb:BatchGetItem",
}
PYNAMODB_INSTANCE = {
    "save": "dynamodb:PutItem",
    "delete": "dynamodb:DeleteItem",
    "refresh": "dynamodb:GetItem",
}


class UnknownCall(Exception):
    """A client call this table does not know: add it, with its IAM actions."""


def module_path(module: str) -> Path:
    base = ROOT.joinpath(*module.split("."))
    return base / "__init__.py" if base.is_dir() else base.with_suffix(".py")


def _imports(module: str) -> set[str]:
    tree = ast.parse(module_path(module).read_text())
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("chalicelib"):
            found.add(node.module)
            for alias in node.names:
                candidate = f"{node.module}.{alias.name}"
                if module_path(candidate).exists():
                    found.add(candidate)
        elif isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names if alias.name.startswith("chalicelib")}
    return found


def closure(*entries: str) -> set[str]:
    """The modules that ``entries`` import, directly or not, within the project."""
    seen: set[str] = set()
    todo = list(entries)
    while todo:
        module = todo.pop()
        if module in seen:
            continue
        seen.add(module)
        todo.extend(_imports(module) - seen)
    return seen


@lru_cache(maxsize=1)
def _model_names() -> frozenset[str]:
    names = set()
    for path in (ROOT / "chalicelib").rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.ClassDef) and any(
                isinstance(base, ast.Name) and base.id == "Model" for base in node.bases
            ):
                names.add(node.name)
    return frozenset(names)


# The factories of ``chalicelib.aws.clients`` and their service (``sqs_probe``: SQS for /health).
CLIENTS = {"dynamodb": "dynamodb", "s3": "s3", "sqs": "sqs", "sqs_probe": "sqs"}


def _client_service(node: ast.expr, bound: dict[str, str]) -> str | None:
    """``clients.<service>()`` or a name bound to one: its service."""
    if isinstance(node, ast.Name):
        return bound.get(node.id)
    if (
        isinstance(node, ast.Call)
        and isinstance(node.func, ast.Attribute)
        and isinstance(node.func.value, ast.Name)
        and node.func.value.id == "clients"
        and node.func.attr in CLIENTS
    ):
        return CLIENTS[node.func.attr]
    return None


def _bindings(tree: ast.AST) -> dict[str, str]:
    bound: dict[str, str] = {}
    for node in ast.walk(tree):
        if isinstance(node, ast.Assign):
            pairs: list[tuple[ast.expr, ast.expr]] = []
            for target in node.targets:
                if isinstance(target, ast.Tuple) and isinstance(node.value, ast.Tuple):
                    pairs += zip(target.elts, node.value.elts, strict=False)
                else:
                    pairs.append((target, node.value))
            for name, value in pairs:
                service = _client_service(value, {})
                if isinstance(name, ast.Name) and service:
                    bound[name.id] = service
    return bound


def _string_arg(call: ast.Call) -> str:
    first = call.args[0] if call.args else None
    if not (isinstance(first, ast.Constant) and isinstance(first.value, str)):
        raise UnknownCall(f"line {call.lineno}: expected an operation name as a string")
    return first.value


def _transaction_actions(call: ast.Call) -> set[str]:
    actions = set()
    for node in ast.walk(call):
        if isinstance(node, ast.Dict):
            for key in node.keys:
                if isinstance(key, ast.Constant) and key.value in TRANSACTION_PARTS:
                    actions.add(TRANSACTION_PARTS[key.value])
    return actions


def _boto3_actions(service: str, operation: str, call: ast.Call) -> set[str]:
    if service == "dynamodb" and operation == "transact_write_items":
        return _transaction_actions(call)
    if operation in ("get_paginator", "generate_presigned_url"):
        operation = _string_arg(call)
    if (service, operation) not in BOTO3:
        raise UnknownCall(f"line {call.lineno}: {service}.{operation}")
    return BOTO3[(service, operation)]


def _pynamodb_actions(call: ast.Call, models: frozenset[str]) -> set[str]:
    assert isinstance(call.func, ast.Attribute)
    method, receiver = call.func.attr, call.func.value
    if isinstance(receiver, ast.Name) and receiver.id in models and method in PYNAMODB_CLASS:
        return {PYNAMODB_CLASS[method]}
    # An index of a model: ``Job.by_due.query(...)``.
    is_index = isinstance(receiver, ast.Attribute) and isinstance(receiver.value, ast.Name)
    if is_index and receiver.value.id in models and method in ("query", "count", "scan"):  # type: ignore[attr-defined]
        return {PYNAMODB_CLASS[method]}
    if method in PYNAMODB_INSTANCE:
        return {PYNAMODB_INSTANCE[method]}
    if method == "update" and any(keyword.arg == "actions" for keyword in call.keywords):
        return {"dynamodb:UpdateItem"}
    return set()


@cache
def actions_in(module: str) -> frozenset[str]:
    """The IAM actions that one module's AWS calls need."""
    tree = ast.parse(module_path(module).read_text())
    bound = _bindings(tree)
    models = _model_names()
    uses_models = any(isinstance(node, ast.ClassDef) and node.name in models for node in ast.walk(tree)) or any(
        isinstance(node, ast.ImportFrom) and any(alias.name in models for alias in node.names)
        for node in ast.walk(tree)
    )
    actions: set[str] = set()
    for node in ast.walk(tree):
        if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)):
            continue
        service = _client_service(node.func.value, bound)
        if service:
            actions |= _boto3_actions(service, node.func.attr, node)
        elif uses_models:
            actions |= _pynamodb_actions(node, models)
    return frozenset(actions)


def actions_of(modules: set[str]) -> set[str]:
    return set().union(*(actions_in(module) for module in modules))
