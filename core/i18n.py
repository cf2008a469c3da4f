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
    # ---- workbench-pages: database banner, entity picker
    "db.down": {"zh": "**未连接到数据库。**", "en": "**No database answers.**"},
    "db.how_to_start": {"zh": "启动方法：在项目目录运行 `make run`，或 `python cli.py up`，或 `python cli.py server start`；使用其他 Neo4j 时请设置 `NEO4J_URI` 和 `NEO4J_PASSWORD`。然后刷新本页。",
                        "en": "To start it, run `make run`, or `python cli.py up`, or `python cli.py server start` in the project folder; for another Neo4j set `NEO4J_URI` and `NEO4J_PASSWORD`. Then reload this page."},
    "db.empty": {"zh": "数据库为空：运行 `python cli.py demo` 导入演示案例，或在“导入数据”页（或用 `python cli.py load`）导入数据。",
                 "en": "The database is empty: run `python cli.py demo` for the demo case, or load your data on the Load data page (or with `python cli.py load`)."},
    "error.database": {"zh": "数据库返回错误：", "en": "The database answered with an error:"},
    "picker.placeholder": {"zh": "输入名称、账号、身份证号或信用代码（{kinds}）", "en": "Type a name, account number, resident ID or credit code ({kinds})"},
    "picker.choose": {"zh": "匹配结果（{n} 个）", "en": "Matches ({n})"},
    "picker.none": {"zh": "没有找到与“{text}”匹配的实体。", "en": "Nothing matches '{text}'."},
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
