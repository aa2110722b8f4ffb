"""The token never appears in a log line, even at DEBUG and when requests fail."""

from tests.conftest import ADMIN, TOKEN


def test_token_absent_from_debug_logs(api, bot_process):
    bot = bot_process(BOT_LOG_LEVEL="DEBUG").start()
    api.fail_next("sendMessage", status=502, count=1)
    api.queue_message(ADMIN, "/whoami")
    api.queue_message(ADMIN, "/help")
    api.wait_for_count(2, lambda r: r["method"] == "sendMessage", timeout=30)
    bot.stop()
    output = bot.output()
    assert "getUpdates" in output  # DEBUG really logged the requests
    assert TOKEN not in output
    assert TOKEN.split(":")[1] not in output
