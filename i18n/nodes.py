"""Texts about a project's nodes (节点, milestones): the nodes file, /status, the reminder.

HTML for Telegram's HTML parse mode; user-supplied values are escaped by the caller.
"""

TEXTS = {
    # --- the nodes file (parsing.nodes): headers of the export's nodes sheet, import answers ---
    "node_col_code": {"zh": "编号", "en": "code"},
    "node_col_due": {"zh": "计划完成时间", "en": "due"},
    "node_col_progress": {"zh": "计划进度（%）", "en": "progress"},
    "node_col_title": {"zh": "节点内容", "en": "title"},
    "import_nodes_done": {
        "zh": "✅ 节点已导入：{projects} 个项目共 {nodes} 个节点（所列项目原有节点已替换）。",
        "en": "✅ Nodes imported: {nodes} node{nodes_s} for {projects} project{projects_s} "
              "(replacing the nodes those projects had).",
    },
    "import_nodes_also": {
        "zh": "节点：{projects} 个项目共 {nodes} 个节点。",
        "en": "Nodes: {nodes} node{nodes_s} for {projects} project{projects_s}.",
    },
    "import_sheet_row_error": {"zh": "节点表第{line}行：{reason}",
                               "en": "nodes sheet, row {line}: {reason}"},
    "ledger_not_ledger_or_nodes": {
        "zh": "表头既不是台账（编号、项目名称、责任单位），也不是节点表（编号、计划完成时间、计划进度）",
        "en": "the header is neither a ledger's (code, name, unit) nor a nodes file's "
              "(code, due, progress)",
    },
    "ledger_unknown_code": {"zh": "没有编号为 {value} 的项目", "en": "no project has code {value}"},
    "ledger_outside_span": {
        "zh": "节点日期 {due} 不在项目计划期 {start} 至 {end} 之内",
        "en": "the node's date {due} is outside the project's plan, {start} to {end}",
    },
    "ledger_not_increasing": {
        "zh": "计划进度 {progress}% 未高于更早节点（{due}，第{line}行）的 {other}%",
        "en": "planned progress {progress}% is not above the {other}% of the earlier node "
              "due {due} (row {line})",
    },
    "ledger_duplicate_node": {
        "zh": "{code} 在 {due} 的节点与第{other}行重复",
        "en": "the node of {code} due {due} repeats row {other}",
    },
    "ledger_bad_progress": {
        "zh": "计划进度“{value}”不是 0 至 100 的百分数",
        "en": "progress “{value}” is not a percentage from 0 to 100",
    },
    "ledger_ambiguous_progress": {
        "zh": "计划进度“{value}”含义不明：请写成 {pct}% 或 {value}%",
        "en": "progress “{value}” is ambiguous: write {pct}% or {value}%",
    },
    # --- /status <code> (reports.nodes.node_lines) ---
    "node_heading": {"zh": "<b>节点（{n}）</b>", "en": "<b>Nodes ({n})</b>"},
    "node_reached": {"zh": "✓ {date} {title}{pct}", "en": "✓ {date} {title}{pct}"},
    "node_missed": {"zh": "✗ {date} {title}{pct}，差 {points} 个百分点",
                    "en": "✗ {date} {title}{pct}, {points} points short"},
    "node_next": {"zh": "→ {date} {title}{pct}，{left}", "en": "→ {date} {title}{pct}, {left}"},
    "node_later": {"zh": "· {date} {title}{pct}", "en": "· {date} {title}{pct}"},
    "node_more": {"zh": "……另有 {n} 个节点", "en": "… {n} more nodes"},
    "node_today": {"zh": "今天到期", "en": "due today"},
    "node_days_left": {"zh": "还有 {n} 天", "en": "in {n} day{n_s}"},
    # --- the weekly reminder (schedules.content.reminder_entry) ---
    "node_due_soon": {"zh": "节点“{title}”（{pct}）{date} 到期，{left}",
                      "en": "node “{title}” ({pct}) due {date}, {left}"},
    "rem_nodes_soon": {"zh": "以下项目有节点即将到期：", "en": "Nodes due soon:"},
    "node_due_soon_untitled": {"zh": "{date} 节点（{pct}）到期，{left}",
                               "en": "node ({pct}) due {date}, {left}"},
}
