"""Interface texts in Chinese (default) and English.

``t(key, lang)`` returns the text; a missing English text falls back to Chinese and a
missing key shows the key itself, so a forgotten translation is visible but never fatal.
"""

from __future__ import annotations

TEXTS: dict[str, dict[str, str]] = {
    "app.title": {"zh": "OrgTrace 非法社会组织线索研判平台", "en": "OrgTrace investigation workbench"},
    "app.language": {"zh": "界面语言", "en": "Language"},
    "nav.overview": {"zh": "概览", "en": "Overview"},
    "overview.connection": {"zh": "数据库连接", "en": "Database connection"},
    "overview.connected": {"zh": "已连接", "en": "Connected"},
    "overview.database": {"zh": "数据库", "en": "Database"},
    "overview.server": {"zh": "服务器版本", "en": "Server version"},
    "overview.counts": {"zh": "图谱规模", "en": "Graph contents"},
    "overview.nodes": {"zh": "节点", "en": "Nodes"},
    "overview.relationships": {"zh": "关系", "en": "Relationships"},
    "overview.empty": {"zh": "数据库为空：可运行 `python cli.py demo` 导入演示案例，或用 `python cli.py load` 导入数据。",
                       "en": "The database is empty: run `python cli.py demo` for the demo case, or `python cli.py load` for your data."},
    "error.title": {"zh": "无法完成操作", "en": "Could not complete the operation"},
    "nav.reports": {"zh": "研判报告", "en": "Reports"},
    "reports.choose": {"zh": "选择报告", "en": "Report"},
    "reports.parameters": {"zh": "参数", "en": "Parameters"},
    "reports.run": {"zh": "运行", "en": "Run"},
    "reports.rows": {"zh": "行", "en": "rows"},
    "reports.seconds": {"zh": "秒", "en": "s"},
    "reports.truncated": {"zh": "结果已截断：只显示前 {n} 行。请缩小条件或提高行数上限。",
                          "en": "The result was truncated: only the first {n} rows are shown. Narrow the query or raise the row limit."},
    "reports.export": {"zh": "导出", "en": "Export"},
    "reports.format": {"zh": "格式", "en": "Format"},
    "reports.prepare": {"zh": "生成导出文件", "en": "Prepare the file"},
    "reports.download": {"zh": "下载", "en": "Download"},
    "reports.cypher": {"zh": "自定义查询（只读）", "en": "Ad-hoc query (read-only)"},
    "reports.library": {"zh": "报告库", "en": "Report library"},
    "reports.saved": {"zh": "已保存的查询", "en": "Saved queries"},
    "reports.save_as": {"zh": "保存为（标题）", "en": "Save as (title)"},
    "reports.save": {"zh": "保存", "en": "Save"},
    "reports.saved_ok": {"zh": "已保存，所有研判人员可见。", "en": "Saved; every investigator can see it."},
    "reports.owner": {"zh": "保存人", "en": "Owner"},
    "reports.delete": {"zh": "删除", "en": "Delete"},
    "reports.limit": {"zh": "行数上限", "en": "Row limit"},
    "reports.none": {"zh": "没有结果。", "en": "No rows."},
    # graph pictures (visual/)
    "graph.aggregate": {"zh": "汇总节点", "en": "Aggregate"},
    "graph.times": {"zh": "笔", "en": " transfers"},
    "graph.settling": {"zh": "布局计算中…", "en": "Laying out…"},
    "graph.showing": {"zh": "显示 {shown} / 共 {total} 个节点", "en": "showing {shown} of {total} nodes"},
    # login, roles, audit, evidence (access/, views/audit.py, views/widgets_evidence.py)
    "login.name": {"zh": "用户名", "en": "User name"},
    "login.password": {"zh": "密码", "en": "Password"},
    "login.submit": {"zh": "登录", "en": "Log in"},
    "login.failed": {"zh": "用户名或密码错误，或账户已停用。", "en": "The user name or password is wrong, or the account is disabled."},
    "login.expired": {"zh": "长时间未操作，已自动退出，请重新登录。", "en": "The session expired after a period of inactivity; please log in again."},
    "login.logout": {"zh": "退出登录", "en": "Log out"},
    "login.as": {"zh": "当前用户", "en": "Logged in as"},
    "login.local": {"zh": "单机模式（尚未创建账户）", "en": "single-user local mode (no accounts yet)"},
    "role.viewer": {"zh": "查看员", "en": "viewer"},
    "role.analyst": {"zh": "研判员", "en": "analyst"},
    "role.admin": {"zh": "管理员", "en": "admin"},
    "nav.audit": {"zh": "审计日志", "en": "Audit log"},
    "audit.intact": {"zh": "审计链完整：共 {n} 条记录。", "en": "The audit chain is intact: {n} entries."},
    "audit.user": {"zh": "按用户筛选", "en": "Filter by user"},
    "audit.since": {"zh": "起始日期", "en": "Since"},
    "evidence.case": {"zh": "案件编号/名称", "en": "Case"},
    "evidence.prepare": {"zh": "生成证据包", "en": "Prepare the evidence package"},
    "evidence.download": {"zh": "下载证据包", "en": "Download the evidence package"},
    "evidence.title": {"zh": "固定证据", "en": "Evidence package"},
    "evidence.made": {"zh": "证据包已生成，清单 SHA-256：{sha}（已记入审计日志）", "en": "Package ready; manifest SHA-256 {sha} (recorded in the audit log)"},
    "reports.public": {"zh": "对外版本（脱敏）", "en": "Public version (masked)"},
    "reports.masked": {"zh": "身份证号和电话已脱敏显示。", "en": "ID numbers and phones are masked."},
    "label.kind": {"zh": "类型", "en": "Type"},
    "label.count": {"zh": "数量", "en": "Count"},
}

#: Schema labels and relationship types shown to users.
TERMS: dict[str, str] = {
    "Organization": "组织", "Person": "人员", "BankAccount": "账户", "Address": "地址", "Phone": "电话",
    "Event": "活动", "Lead": "线索", "BlacklistEntry": "黑名单", "LoadRun": "导入记录", "SavedReport": "保存的报告",
}


def t(key: str, lang: str = "zh") -> str:
    entry = TEXTS.get(key)
    if entry is None:
        return key
    return entry.get(lang) or entry["zh"]


def term(name: str, lang: str = "zh") -> str:
    """A schema label in the interface language (labels themselves are English)."""
    return TERMS.get(name, name) if lang == "zh" else name
