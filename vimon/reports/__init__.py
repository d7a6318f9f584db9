"""Period reports (báo cáo định kỳ): from the daily briefing to the annual evaluation, as one
context (``period.build``) rendered as a web page, DOCX or XLSX (``builders``)."""
