"""Offline checks of a packaged template: SAM's own transform, then cfn-lint on the result.

cfn-lint reads a SAM template without expanding it, so it cannot see the resources SAM makes
(the API's stage, the event source mappings) nor check references to them. Here the template is
expanded first with SAM's translator, as CloudFormation will, and the plain template is linted.
"""

from __future__ import annotations

import copy
import json
import logging
import os
import sys
from pathlib import Path
from typing import Any

from cfnlint.api import ManualArgs, lint  # type: ignore[import-untyped]
from samtranslator.translator.transform import transform  # type: ignore[import-untyped]

REGION = "us-east-1"
# What `aws cloudformation package` puts in place of the local zip.
CODE_URI = "s3://deployment-bucket/deployment.zip"
# SAM's translator counts metrics for its own service and warns when nobody publishes them.
logging.getLogger("samtranslator.metrics.metrics").setLevel(logging.ERROR)


def expand(sam: dict[str, Any]) -> dict[str, Any]:
    """The plain CloudFormation template SAM's transform makes of ``sam`` (raises if SAM refuses it)."""
    template = copy.deepcopy(sam)
    for resource in template["Resources"].values():
        if resource["Type"] == "AWS::Serverless::Function":
            resource["Properties"]["CodeUri"] = CODE_URI
    os.environ.setdefault("AWS_DEFAULT_REGION", REGION)
    expanded: dict[str, Any] = transform(template, {}, None)
    return expanded


def problems(sam: dict[str, Any]) -> list[str]:
    """cfn-lint's findings (errors, warnings and informational) on the expanded template."""
    matches = lint(json.dumps(expand(sam)), config=ManualArgs(regions=[REGION]))
    return [f"{match.rule.id} {match.message} ({'/'.join(map(str, match.path))})" for match in matches]


def main() -> None:
    found = problems(json.loads(Path(sys.argv[1]).read_text()))
    for problem in found:
        print(problem)
    if found:
        sys.exit(1)
    print(f"{sys.argv[1]}: valid (SAM transform + cfn-lint)")


if __name__ == "__main__":
    main()
