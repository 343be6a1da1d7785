"""``make package [STAGE=dev]``: the deployable zip and CloudFormation template of one stage, checked.

Writes ``build/<stage>-merge.json`` (``infra.template``), runs ``chalice package
--merge-template`` into ``build/<stage>/`` (``deployment.zip`` and ``sam.json``), validates
``sam.json`` offline (``infra.cloudformation``) and reports the package's size against
Lambda's limits. The zip holds numpy and duckdb (requirements.txt), PynamoDB (vendor/) and our
code; boto3 and botocore are the Lambda runtime's own, and a copy of them in the zip is an error.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import zipfile
from dataclasses import dataclass
from pathlib import Path

from infra.cloudformation import problems
from infra.stages import ROOT, stage
from infra.template import merge_template

MIB = 1024 * 1024
LAMBDA_UNZIPPED_LIMIT = 250 * MIB  # code and layers, unzipped
# A zip sent in the CreateFunction request itself, as `chalice deploy` does (the request, base64,
# must stay under 69,905,067 bytes); CloudFormation takes the zip from S3 and has no such limit.
LAMBDA_DIRECT_UPLOAD_LIMIT = 50 * MIB
# The python3.11 runtime's own AWS SDK and its dependencies (import names): a requirement that
# pulls them in (PynamoDB does: it ships from vendor/ instead) adds ~16 MiB zipped for nothing.
RUNTIME_PROVIDED = frozenset({"boto3", "botocore", "s3transfer", "jmespath", "dateutil", "urllib3", "six"})


@dataclass(frozen=True)
class Package:
    directory: Path
    zipped: int
    unzipped: int
    top_level: frozenset[str]  # the zip's top-level packages and modules (``numpy``, ``app``)

    @property
    def template(self) -> Path:
        return self.directory / "sam.json"

    @property
    def zip(self) -> Path:
        return self.directory / "deployment.zip"

    @property
    def direct_upload_fits(self) -> bool:
        """Whether ``chalice deploy`` can send this zip to Lambda (the S3 path always can)."""
        return self.zipped <= LAMBDA_DIRECT_UPLOAD_LIMIT

    @property
    def runtime_copies(self) -> frozenset[str]:
        """What the zip carries of the runtime's own SDK (nothing, when requirements.txt is right)."""
        return self.top_level & RUNTIME_PROVIDED


def build(stage_name: str, out: Path) -> Package:
    """Package ``stage_name`` into ``out`` with the merged template; raise if chalice fails."""
    merge = out.parent / f"{stage_name}-merge.json"
    merge.parent.mkdir(parents=True, exist_ok=True)
    merge.write_text(json.dumps(merge_template(stage(stage_name)), indent=2) + "\n")
    chalice = Path(sys.executable).parent / "chalice"
    env = {**os.environ, "AWS_DEFAULT_REGION": os.environ.get("AWS_DEFAULT_REGION", "us-east-1")}
    command = [str(chalice), "package", "--stage", stage_name, "--merge-template", str(merge), str(out)]
    done = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True)
    if done.returncode != 0:
        raise RuntimeError(f"chalice package failed:\n{done.stdout}\n{done.stderr}")
    with zipfile.ZipFile(out / "deployment.zip") as package:
        unzipped = sum(info.file_size for info in package.infolist())
        top_level = frozenset(name.split("/")[0].removesuffix(".py") for name in package.namelist())
    zipped = (out / "deployment.zip").stat().st_size
    return Package(directory=out, zipped=zipped, unzipped=unzipped, top_level=top_level)


def main() -> None:
    stage_name = sys.argv[1] if len(sys.argv) > 1 else "dev"
    package = build(stage_name, ROOT / "build" / stage_name)
    name, zipped, unzipped = package.zip.relative_to(ROOT), package.zipped / MIB, package.unzipped / MIB
    print(f"{name}: {zipped:.1f} MiB zipped, {unzipped:.1f} MiB unzipped")
    print(f"  Lambda: at most {LAMBDA_UNZIPPED_LIMIT // MIB} MiB unzipped (the CloudFormation path uploads through S3)")
    spare = (LAMBDA_DIRECT_UPLOAD_LIMIT - package.zipped) / MIB
    fits = f"fits, {spare:.1f} MiB to spare" if package.direct_upload_fits else "too large: use the CloudFormation path"
    print(f"  chalice deploy sends the zip in its request, at most {LAMBDA_DIRECT_UPLOAD_LIMIT // MIB} MiB: {fits}")
    found = problems(json.loads(package.template.read_text()))
    if package.runtime_copies:
        copies = ", ".join(sorted(package.runtime_copies))
        found.append(f"the zip carries {copies}, which the Lambda runtime has: keep them out of requirements.txt")
    for problem in found:
        print(f"  {problem}")
    if found or package.unzipped >= LAMBDA_UNZIPPED_LIMIT:
        sys.exit(1)
    print(f"{package.template.relative_to(ROOT)}: valid (SAM transform + cfn-lint, offline)")


if __name__ == "__main__":
    main()
