"""The public side: citizen reports (tickets) and published debunks (ClaimReview, RSS).

Cổng công khai: người dân phản ánh (mã phiếu), bài cải chính/bác bỏ tin sai đã công bố.
"""
