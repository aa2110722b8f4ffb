"""Use cases: what the bot does, without Telegram.

Handlers turn an update into a caller and arguments, call a use case here, and render its
result as a reply; the command line, the console and any other front end call the same
functions. Nothing in this package imports telegram.
"""
