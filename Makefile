# vimon — one Makefile for local use and CI.
# Finds a Python ≥ 3.11, builds .venv on first use, and reinstalls when pyproject.toml changes.

PY ?= $(shell for p in python3.13 python3.12 python3.11 python3; do \
	command -v $$p >/dev/null 2>&1 && $$p -c 'import sys; sys.exit(sys.version_info < (3, 11))' 2>/dev/null && echo $$p && break; done)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp

.DEFAULT_GOAL := help
.PHONY: help install demo serve test lint bench models screenshots clean

help: ## Danh sách lệnh / list targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-12s %s\n", $$1, $$2}'

$(STAMP): pyproject.toml
	@test -n "$(PY)" || { echo "Cần Python >= 3.11 / Python >= 3.11 is required"; exit 1; }
	$(PY) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	@touch $(STAMP)

install: $(STAMP) ## Tạo .venv và cài đặt / create the virtualenv and install

demo: $(STAMP) ## Nạp dữ liệu mẫu, chạy pipeline và mở web tại http://127.0.0.1:8000
	$(BIN)/vimon demo

serve: $(STAMP) ## Chạy web UI + API
	$(BIN)/vimon serve

test: $(STAMP) ## Chạy toàn bộ kiểm thử / run the test suite
	$(BIN)/python -m pytest -q

lint: $(STAMP) ## ruff + mypy
	$(BIN)/ruff check vimon tests bench scripts
	$(BIN)/mypy vimon

bench: $(STAMP) ## Đo hiệu năng / run the benchmarks
	$(BIN)/python bench/run.py

models: $(STAMP) ## Huấn luyện lại các mô hình mặc định từ ../shared/data
	$(BIN)/python scripts/make_models.py

screenshots: $(STAMP) ## Chụp ảnh các trang web vào docs/screenshots (cần chromium)
	VIMON_SCREENSHOTS=docs/screenshots $(BIN)/python -m pytest -q tests/web/test_browser.py tests/web/test_e2e_case.py tests/web/test_outreach_pages.py tests/reports/test_briefing_pages.py tests/reports/test_plans_pages.py

clean: ## Xóa .venv và dữ liệu cục bộ
	rm -rf $(VENV) vimon-data .pytest_cache .ruff_cache .mypy_cache
