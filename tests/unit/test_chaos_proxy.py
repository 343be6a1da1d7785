"""The chaos proxy forwards unchanged, and each fault it injects is what botocore sees from AWS:
the intended error code, a lost connection, an upstream that did (or did not) do the work."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import boto3
import pytest
from botocore.config import Config
from botocore.exceptions import ClientError, ConnectionClosedError, EndpointConnectionError

from infra.local import wire
from infra.local.chaos_proxy import ChaosProxy
from infra.local.faults import Fault, FaultDraw, FaultRates

NO_RETRIES = Config(retries={"total_max_attempts": 1, "mode": "standard"}, connect_timeout=2, read_timeout=5)


@dataclass
class Stub:
    """A tiny upstream: answers every request with a fixed success per protocol, and counts them."""

    seen: list[tuple[str, str, str]] = field(default_factory=list)  # method, path, X-Amz-Target
    url: str = ""


def _stub_handler(stub: Stub) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def _answer(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            self.rfile.read(length)
            target = self.headers.get("X-Amz-Target", "")
            stub.seen.append((self.command, self.path, target))
            if target.startswith("DynamoDB"):
                body, kind = b'{"Attributes": {"id": {"S": "x"}}}', "application/x-amz-json-1.0"
            elif target.startswith("AmazonSQS"):
                answer = {"MessageId": "m-1", "MD5OfMessageBody": "9ad0d8f4e3d1ba4d5eb4bd1b1d6b4b8e"}
                body, kind = json.dumps(answer).encode(), "application/x-amz-json-1.0"
            else:
                body, kind = b"", "application/xml"
            self.send_response(200)
            self.send_header("Content-Type", kind)
            self.send_header("x-stub", "kept")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        do_GET = do_PUT = do_POST = _answer

        def log_message(self, format: str, *args: Any) -> None:
            pass

    return Handler


@pytest.fixture
def stub() -> Iterator[Stub]:
    record = Stub()
    server = ThreadingHTTPServer(("127.0.0.1", 0), _stub_handler(record))
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    record.url = f"http://127.0.0.1:{server.server_address[1]}"
    try:
        yield record
    finally:
        server.shutdown()
        server.server_close()


def _client(service: str, url: str) -> Any:
    make: Any = boto3.client  # the service name is a plain str here, not one of the stubs' literals
    return make(
        service,
        endpoint_url=url,
        region_name="us-east-1",
        aws_access_key_id="k",
        aws_secret_access_key="s",
        config=NO_RETRIES.merge(Config(signature_version="s3v4")) if service == "s3" else NO_RETRIES,
    )


def _call(service: str, client: Any) -> Any:
    if service == "dynamodb":
        return client.update_item(TableName="jobs", Key={"id": {"S": "x"}}, UpdateExpression="SET a = :a",
                                  ExpressionAttributeValues={":a": {"S": "b"}})  # fmt: skip
    if service == "sqs":
        return client.send_message(QueueUrl="http://q/123/jobs", MessageBody="hello")
    return client.put_object(Bucket="files", Key="results/x.json", Body=b"{}")


def _error_code(service: str, url: str) -> str:
    with pytest.raises(ClientError) as caught:
        _call(service, _client(service, url))
    return str(caught.value.response["Error"]["Code"])


@pytest.mark.parametrize("service", wire.SERVICES)
def test_without_faults_the_answer_is_forwarded_unchanged(stub: Stub, service: wire.Service) -> None:
    with ChaosProxy(service, stub.url, FaultRates(), seed=1) as proxy:
        answer = _call(service, _client(service, proxy.url))
    assert answer["ResponseMetadata"]["HTTPStatusCode"] == 200
    assert answer["ResponseMetadata"]["HTTPHeaders"]["x-stub"] == "kept"
    assert len(stub.seen) == 1
    (exchange,) = proxy.exchanges()
    assert (exchange.fault, exchange.forwarded, exchange.status, exchange.acknowledged) == (None, 1, 200, True)
    assert proxy.injected() == {}


@pytest.mark.parametrize(
    ("service", "codes"),
    [
        ("dynamodb", {"ProvisionedThroughputExceededException", "ThrottlingException"}),
        ("sqs", {"RequestThrottled", "ThrottlingException"}),
        ("s3", {"SlowDown"}),
    ],
)
def test_a_throttle_is_the_services_own_throttling_error_and_nothing_reaches_upstream(
    stub: Stub, service: wire.Service, codes: set[str]
) -> None:
    with ChaosProxy(service, stub.url, FaultRates(throttle=1.0), seed=3) as proxy:
        seen = {_error_code(service, proxy.url) for _ in range(12)}
    assert seen == codes
    assert stub.seen == []
    assert proxy.injected() == {Fault.THROTTLE: 12}


def test_each_throttle_is_one_botocore_retries_as_a_throttle(stub: Stub) -> None:
    """Standard retry mode treats the codes as throttles (it would back off and retry them)."""
    from botocore.retries.standard import RetryContext, ThrottledRetryableChecker

    checker = ThrottledRetryableChecker()
    for service in wire.SERVICES:
        for error in wire.THROTTLES[service]:
            context = RetryContext(attempt_number=1, parsed_response={"Error": {"Code": error.code}})
            assert checker.is_retryable(context), error.code


@pytest.mark.parametrize(
    ("service", "code"), [("dynamodb", "InternalServerError"), ("sqs", "InternalError"), ("s3", "InternalError")]
)
def test_a_500_before_forwarding_leaves_the_upstream_untouched(stub: Stub, service: wire.Service, code: str) -> None:
    with ChaosProxy(service, stub.url, FaultRates(error_before=1.0), seed=1) as proxy:
        assert _error_code(service, proxy.url) == code
    assert stub.seen == []
    (exchange,) = proxy.exchanges()
    assert (exchange.fault, exchange.forwarded, exchange.status) == (Fault.ERROR_BEFORE, 0, None)


@pytest.mark.parametrize("service", wire.SERVICES)
def test_a_500_after_forwarding_loses_the_answer_of_work_done(stub: Stub, service: wire.Service) -> None:
    with ChaosProxy(service, stub.url, FaultRates(error_after=1.0), seed=1) as proxy:
        assert _error_code(service, proxy.url) in ("InternalServerError", "InternalError")
    assert len(stub.seen) == 1
    (exchange,) = proxy.exchanges()
    assert (exchange.forwarded, exchange.status, exchange.acknowledged) == (1, 200, False)


@pytest.mark.parametrize(("fault", "upstream_calls"), [(Fault.RESET_BEFORE, 0), (Fault.RESET_AFTER, 1)])
def test_a_reset_is_a_lost_connection_before_or_after_the_work(stub: Stub, fault: Fault, upstream_calls: int) -> None:
    rates = FaultRates(reset_before=1.0) if fault is Fault.RESET_BEFORE else FaultRates(reset_after=1.0)
    with (
        ChaosProxy("dynamodb", stub.url, rates, seed=1) as proxy,
        pytest.raises((ConnectionClosedError, EndpointConnectionError)),
    ):
        _call("dynamodb", _client("dynamodb", proxy.url))
    assert len(stub.seen) == upstream_calls
    assert proxy.injected() == {fault: 1}


def test_botocores_retries_absorb_a_throttle(stub: Stub) -> None:
    """With retries (as the app's clients have), a throttled call succeeds on a later attempt."""
    rates = FaultRates(throttle=0.3)
    with ChaosProxy("dynamodb", stub.url, rates, seed=1) as proxy:
        client = boto3.client(
            "dynamodb",
            endpoint_url=proxy.url,
            region_name="us-east-1",
            aws_access_key_id="k",
            aws_secret_access_key="s",
            config=Config(retries={"max_attempts": 10, "mode": "standard"}),
        )
        client.meta.events.register("before-sleep", lambda **_: None)
        for _ in range(4):
            _call("dynamodb", client)
    assert len(stub.seen) == 4
    assert proxy.injected()[Fault.THROTTLE] == proxy.requests() - 4 > 0


def test_a_duplicate_forwards_an_sqs_send_twice_and_only_sends(stub: Stub) -> None:
    with ChaosProxy("sqs", stub.url, FaultRates(duplicate=1.0), seed=1) as proxy:
        client = _client("sqs", proxy.url)
        assert client.send_message(QueueUrl="http://q/123/jobs", MessageBody="hello")["MessageId"] == "m-1"
        client.get_queue_url(QueueName="jobs")
    assert [target for _, _, target in stub.seen] == [
        "AmazonSQS.SendMessage",
        "AmazonSQS.SendMessage",
        "AmazonSQS.GetQueueUrl",
    ]
    sent = proxy.exchanges()[0]
    assert (sent.fault, sent.forwarded, sent.facts) == (Fault.DUPLICATE, 2, {"sent": ["hello"]})


def test_latency_delays_then_forwards(stub: Stub) -> None:
    with ChaosProxy("s3", stub.url, FaultRates(latency=1.0, latency_seconds=0.05), seed=1) as proxy:
        _call("s3", _client("s3", proxy.url))
    assert len(stub.seen) == 1
    assert proxy.exchanges()[0].fault is Fault.LATENCY


def test_the_log_names_the_job_writes_it_saw(stub: Stub) -> None:
    with ChaosProxy("dynamodb", stub.url, FaultRates(), seed=1) as proxy:
        _client("dynamodb", proxy.url).update_item(
            TableName="jobs",
            Key={"id": {"S": "job-1"}},
            UpdateExpression="SET #0 = :0, #1 = :1 REMOVE #2",
            ExpressionAttributeNames={"#0": "status", "#1": "progress", "#2": "lease_until"},
            ExpressionAttributeValues={":0": {"S": "succeeded"}, ":1": {"N": "1"}},
        )
    assert proxy.exchanges()[0].facts == {
        "writes": [{"table": "jobs", "key": "job-1", "line": None, "status": "succeeded"}]
    }


def test_the_log_names_the_import_row_a_put_claims(stub: Stub) -> None:
    with ChaosProxy("dynamodb", stub.url, FaultRates(), seed=1) as proxy:
        _client("dynamodb", proxy.url).put_item(
            TableName="rows",
            Item={"result": {"S": "sending"}, "import_id": {"S": "i-1"}, "line": {"N": "7"}},
            ConditionExpression="attribute_not_exists(line)",
        )
    assert proxy.exchanges()[0].facts == {"writes": [{"table": "rows", "key": "i-1", "line": 7, "status": None}]}


def test_the_draw_follows_its_seed_and_its_rates() -> None:
    rates = FaultRates.split(0.5)
    first = [FaultDraw(rates, 9).next("GetItem")[0] for _ in range(1)]
    draws = FaultDraw(rates, 9)
    again = [draws.next("GetItem")[0] for _ in range(2000)]
    assert first[0] == again[0]
    share = sum(fault is not None for fault in again) / len(again)
    assert 0.45 < share < 0.55
    assert Fault.DUPLICATE not in again


def test_rates_must_be_shares_that_add_up_to_at_most_one() -> None:
    with pytest.raises(ValueError, match="throttle"):
        FaultRates(throttle=1.5)
    with pytest.raises(ValueError, match="add up"):
        FaultRates(throttle=0.6, latency=0.6)
    assert FaultRates.split(0.05).total == pytest.approx(0.05)


def test_the_command_line_prints_its_url_forwards_and_counts_on_sigterm(stub: Stub) -> None:
    command = [sys.executable, "-m", "infra.local.chaos_proxy", "s3", stub.url, "--rate", "0", "--seed", "3"]
    with subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) as process:
        try:
            assert process.stdout is not None
            url = process.stdout.readline().strip()
            assert url.startswith("http://127.0.0.1:")
            assert "seed 3" in process.stdout.readline()
            _call("s3", _client("s3", url))
            process.send_signal(signal.SIGTERM)
            out, err = process.communicate(timeout=10)
        finally:
            process.kill()
    assert process.returncode == 0, err
    assert "1 requests; faults injected: none" in out
    assert len(stub.seen) == 1


def test_the_log_names_each_write_of_a_transaction_and_a_delete(stub: Stub) -> None:
    with ChaosProxy("dynamodb", stub.url, FaultRates(), seed=1) as proxy:
        client = _client("dynamodb", proxy.url)
        client.transact_write_items(
            TransactItems=[
                {"Put": {"TableName": "rows", "Item": {"import_id": {"S": "i"}, "line": {"N": "2"}}}},
                {"Delete": {"TableName": "rows", "Key": {"import_id": {"S": "i"}, "line": {"N": "3"}}}},
            ]
        )
        client.delete_item(TableName="rows", Key={"import_id": {"S": "i"}, "line": {"N": "4"}})
    assert [exchange.facts["writes"] for exchange in proxy.exchanges()] == [
        [
            {"table": "rows", "key": "i", "line": 2, "status": None},
            {"table": "rows", "key": "i", "line": 3, "status": None},
        ],
        [{"table": "rows", "key": "i", "line": 4, "status": None}],
    ]
