"""Alerts: bursts, new issues, watchlist matches and high-risk items, delivered by e-mail
(SMTP), signed webhook and Telegram bot; deduplicated, throttled, kept as history.

Cảnh báo: đột biến, vấn đề mới nổi, tin khớp danh sách theo dõi, tin rủi ro cao; gửi qua
thư điện tử, webhook có chữ ký và bot Telegram; chống trùng, giới hạn tần suất, lưu lịch sử.
"""
