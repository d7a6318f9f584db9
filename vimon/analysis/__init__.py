"""Analysis: item facets, rollups, trends, bursts, forecasts, issues of public concern.

Phân tích: nhãn/thuộc tính của tin, số liệu tổng hợp theo giờ/ngày, xu hướng, phát hiện đột
biến, dự báo, vấn đề dư luận quan tâm. See docs/analysis.md.
"""
