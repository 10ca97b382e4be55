"""Planning report: tables and figures a planner pastes into the plan (see model.report.render)."""
from model.report.render import ReportError, report_dir, write_report

__all__ = ["ReportError", "report_dir", "write_report"]
