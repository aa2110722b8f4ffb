"""Reporting: standing of projects (lights and their reasons), completion forecasts,
investment to date, unit ranking, report texts, the wall chart, the export.

The method is described for users in docs/method.md.

Pure logic on plain values: no Telegram, no database. The handlers and schedules build
`reports.standing.ProjectState` values from storage and pass them in.
"""
