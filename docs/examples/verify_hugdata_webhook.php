<?php
// Verifies a HugData webhook the way a Laravel controller would; the test suite runs this file with the php CLI.
// Usage: php verify_hugdata_webhook.php <secret> <timestamp> <signature> <body-file>

function hugdata_webhook_is_valid(string $secret, string $timestamp, string $signature, string $body,
                                  int $toleranceSeconds = 300): bool
{
    if (!ctype_digit($timestamp) || abs(time() - (int) $timestamp) > $toleranceSeconds) {
        return false; // stale or malformed: refuse replays
    }
    $expected = hash_hmac('sha256', $timestamp . '.' . $body, $secret);
    return hash_equals($expected, $signature);
}

[$script, $secret, $timestamp, $signature, $bodyFile] = $argv;
$body = file_get_contents($bodyFile);
if (!hugdata_webhook_is_valid($secret, $timestamp, $signature, $body)) {
    fwrite(STDERR, "invalid signature\n");
    exit(1);
}
$event = json_decode($body, true);
echo $event['event_id'] . ' ' . $event['status'] . "\n";
exit(0);
