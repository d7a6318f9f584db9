"""People in the loop: statuses and transitions (data), review queue, cases, audit log, letters.

Quy trình xử lý: hàng đợi rà soát, hồ sơ vụ việc, nhật ký kiểm toán, công văn. See docs/workflow.md.
"""
