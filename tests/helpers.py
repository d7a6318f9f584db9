"""Test helpers: build items and run them through the real pipeline."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any


def run_rows(store: Any, settings: Any, rows: list[dict[str, Any]], origin: str = "test"):  # type: ignore[no-untyped-def]
    from vimon.pipeline.ingest import ingest_records

    return ingest_records(store, settings, rows, origin=origin)


STORY = (
    "Sáng nay, UBND quận Ba Đình tổ chức lễ khánh thành công viên cây xanh mới rộng hai héc ta "
    "trên phố Đội Cấn. Công viên có đường đi bộ, sân chơi cho trẻ em, khu tập thể dục ngoài trời "
    "và hệ thống chiếu sáng tiết kiệm năng lượng. Người dân trong khu vực bày tỏ vui mừng vì có "
    "thêm không gian xanh để thư giãn sau giờ làm việc."
)
STORY_REWRITE = (
    "UBND quận Ba Đình sáng nay đã tổ chức lễ khánh thành công viên cây xanh mới rộng hai héc ta "
    "trên phố Đội Cấn. Công viên có đường đi bộ, sân chơi cho trẻ em, khu tập thể dục ngoài trời "
    "và hệ thống chiếu sáng tiết kiệm năng lượng. Người dân trong khu vực bày tỏ vui mừng vì có "
    "thêm không gian xanh để thư giãn sau giờ làm việc, theo phóng viên ghi nhận."
)
OTHER = (
    "Chiều qua, mưa lớn kéo dài khiến nhiều tuyến phố ở quận Đống Đa ngập sâu, giao thông ùn tắc "
    "nghiêm trọng. Lực lượng thoát nước đã được huy động để bơm nước và hướng dẫn phương tiện đi "
    "đường khác, nhiều xe máy chết máy giữa đường."
)


def staff_session(store: Any, settings: Any, role: str = "analyst", username: str | None = None,
                  unit: str | None = None) -> str:
    """Create a user with ``role`` and return a session cookie value for it (staff pages need
    a login since the workflow landed)."""
    from vimon.auth import service

    name = username or f"test-{role}"
    user = store.get_user(username=name)
    if user is None:
        service.create_user(store, name, role, unit=unit, password="mat-khau-kiem-thu-1", actor="test")
        user = store.get_user(username=name)
    return service.start_session(store, settings, user, "127.0.0.1")


@contextmanager
def serve_in_thread(app: Any) -> Iterator[str]:
    """A real uvicorn server for ``app`` on a free loopback port, for browser tests."""
    import socket
    import threading
    import time

    import uvicorn

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    for _ in range(200):
        if server.started:
            break
        time.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)
