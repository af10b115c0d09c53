"""AWS_ENDPOINT_URL (honoured by botocore itself) reaches the clients pamsite.aws builds: the
sandbox and a moto server rely on it."""

import json
import socket

import boto3
import pytest
from moto.server import ThreadedMotoServer

from pamsite.aws.chain import chain
from tests.aws.fixtures import reset_aws_state


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def moto_server(monkeypatch):
    port = _free_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    monkeypatch.setenv("AWS_ENDPOINT_URL", f"http://127.0.0.1:{port}")
    reset_aws_state()
    yield f"http://127.0.0.1:{port}"
    server.stop()
    reset_aws_state()


def test_chain_goes_to_the_endpoint_url(moto_server):
    iam = boto3.client("iam", region_name="us-east-1", endpoint_url=moto_server)
    trust = json.dumps({"Version": "2012-10-17", "Statement": [{"Effect": "Allow",
                        "Principal": {"AWS": "*"}, "Action": "sts:AssumeRole"}]})  # fmt: skip
    iam.create_role(RoleName="PamBridge", AssumeRolePolicyDocument=trust)
    iam.create_role(RoleName="ReadOnly", AssumeRolePolicyDocument=trust)

    assumed = chain(
        resource_role_arn="arn:aws:iam::123456789012:role/PamBridge",
        target_role_arn="arn:aws:iam::123456789012:role/ReadOnly",
        external_id="0f8fad5b-d9cb-469f-a165-70867728950e",
        session_name="alice@example.com",
        duration=900,
        region="us-east-1",
        cache=None,
    )

    assert assumed.assumed_role_arn == (
        "arn:aws:sts::123456789012:assumed-role/ReadOnly/alice@example.com"
    )
