# Apoyo Kiosk — two commands for a newcomer on Debian / Raspberry Pi OS:
#   make demo   installs what is missing and starts the kiosk with simulated devices
#   make test   installs what is missing and runs the whole test suite
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

# Runtime packages (what `make demo` needs) and the extra ones the test suite uses.
APT_RUNTIME := python3-venv python3-dev tesseract-ocr tesseract-ocr-spa tesseract-ocr-eng \
	libzbar0 fonts-ocr-b fonts-dejavu-core
APT_TEST := postgresql shellcheck systemd tmux sane-utils strace

.PHONY: demo test test-fast bench install deps test-deps clean

demo: deps
	$(VENV)/bin/kiosk demo

test: deps test-deps
	$(PY) -m pytest -n 2 --timeout 900 -m "not slow and not benchmark" tests

test-fast: deps
	$(PY) -m pytest -x -q -m "not slow and not benchmark and not postgres" tests

bench: deps
	@for b in tests/benchmarks/bench_*.py; do echo "== $$b"; $(PY) $$b || exit 1; done

# Raspberry Pi deployment (see README, "Poner en marcha un kiosko"); UI=cage for touchscreens.
UI ?= tty
install:
	$(SUDO) bash systemd/install.sh --ui $(UI)

deps: .stamp-apt-runtime $(VENV)/.stamp

test-deps: .stamp-apt-test

.stamp-apt-runtime:
	@missing=$$(for p in $(APT_RUNTIME); do dpkg -s $$p >/dev/null 2>&1 || echo $$p; done); \
	if [ -n "$$missing" ]; then \
	  echo "Instalando paquetes del sistema: $$missing"; \
	  $(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get update -qq && \
	  $(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $$missing; \
	fi
	@touch $@

.stamp-apt-test:
	@missing=$$(for p in $(APT_TEST); do dpkg -s $$p >/dev/null 2>&1 || echo $$p; done); \
	if [ -n "$$missing" ]; then \
	  echo "Instalando paquetes para las pruebas: $$missing"; \
	  $(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get update -qq && \
	  $(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $$missing; \
	fi
	@touch $@

$(VENV)/.stamp: pyproject.toml
	@[ -x $(PY) ] || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -e '.[test]'
	@touch $@

clean:
	rm -rf $(VENV) .stamp-apt-runtime .stamp-apt-test .pytest_cache
