"""/pack: the scheduling meeting's pack (the schedule table and the bulletin) as two files."""

from __future__ import annotations

import asyncio

from telegram import Update
from telegram.constants import ChatAction
from telegram.ext import ContextTypes

from handlers.access import Caller, command, effective_config, in_chat
from handlers.status import app_views
from services.pack import pack_for
from services.views import CHART_THREAD, Refusal


@command("pack")
async def pack(update: Update, context: ContextTypes.DEFAULT_TYPE, caller: Caller) -> None:
    """Both files of the pack: leaders, privately or in a group bound to no unit."""
    caller = in_chat(update, context, caller)
    try:
        plan = pack_for(app_views(context), effective_config(context), caller)
    except Refusal as refusal:
        await update.effective_message.reply_text(str(refusal))
        return
    await update.effective_chat.send_action(ChatAction.UPLOAD_DOCUMENT)
    # In the one chart thread (the pack draws the wall chart; matplotlib's font cache is per
    # thread); writing the files takes a moment, the event loop carries on.
    made = await asyncio.get_running_loop().run_in_executor(CHART_THREAD, plan.build)
    message = update.effective_message
    await message.reply_document(made.schedule, filename=made.schedule_name,
                                 caption=made.caption)
    await message.reply_document(made.bulletin, filename=made.bulletin_name)
