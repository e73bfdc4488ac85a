"""The PHP verification in docs/laravel.md accepts a real signed delivery and refuses a tampered one."""

import shutil
import subprocess
from pathlib import Path

import pytest

from hugdata.api.runtime import ApiRuntime
from tests.helpers import WEBHOOK_SECRET, register
from tests.webhooks.receiver import webhook_receiver
from tests.webhooks.test_delivery import _deliver, _event

PHP_CHECK = Path(__file__).resolve().parents[2] / "docs" / "examples" / "verify_hugdata_webhook.php"


def _php(secret: str, timestamp: str, signature: str, body_file: Path) -> subprocess.CompletedProcess[str]:
    php = shutil.which("php")
    if php is None:
        pytest.skip("the php CLI is not installed here; `apt-get install php-cli` runs this test")
    return subprocess.run(
        [php, str(PHP_CHECK), secret, timestamp, signature, str(body_file)], capture_output=True, text=True, timeout=30
    )


def test_php_snippet_verifies_a_real_delivery(clean_platform: ApiRuntime, tmp_path: Path) -> None:
    with webhook_receiver(WEBHOOK_SECRET) as receiver:
        register(clean_platform, "42", webhook_url=receiver.url)
        _event(clean_platform, "42", "run-php", "succeeded")
        assert _deliver(clean_platform).delivered == 1
    body, headers = receiver.raw[0]
    body_file = tmp_path / "body.json"
    body_file.write_bytes(body)
    ok = _php(WEBHOOK_SECRET, headers["X-HugData-Timestamp"], headers["X-HugData-Signature"], body_file)
    assert ok.returncode == 0, ok.stderr
    assert ok.stdout.strip() == "run-php:succeeded succeeded"

    body_file.write_bytes(body.replace(b"succeeded", b"failed"))
    tampered = _php(WEBHOOK_SECRET, headers["X-HugData-Timestamp"], headers["X-HugData-Signature"], body_file)
    assert tampered.returncode == 1 and "invalid signature" in tampered.stderr
    wrong_secret = _php("not-the-secret", headers["X-HugData-Timestamp"], headers["X-HugData-Signature"], body_file)
    assert wrong_secret.returncode == 1
