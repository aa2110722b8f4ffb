"""Understanding status messages: which project, progress, stage, investment, problems, language.

Pure code: no Telegram, no database. See `status.parse_message` and `language.detect_language`.
"""

from .language import detect_language, preload
from .refs import ProjectRef
from .status import ParsedMessage, ProjectReport, parse_message

__all__ = [
    "ParsedMessage",
    "ProjectRef",
    "ProjectReport",
    "detect_language",
    "parse_message",
    "preload",
]
