"""Attendance: live figures, the festival summary, exports, the dashboards."""
