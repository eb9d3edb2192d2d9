"""The figures an office reports: the dashboard's counts (statistics), the year review (year_review), and any list
as CSV or XLSX (spreadsheets)."""
