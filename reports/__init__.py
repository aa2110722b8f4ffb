"""Reporting: standing of projects, unit ranking, report texts, the wall chart, the export.

Pure logic on plain values: no Telegram, no database. The handlers and schedules build
`reports.standing.ProjectState` values from storage and pass them in.
"""
