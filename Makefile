# Apoyo Kiosk — two commands for a newcomer on Debian / Raspberry Pi OS:
#   make demo   installs what is missing and starts the kiosk with simulated devices
#   make test   installs what is missing and runs the whole test suite
#   make demo-central  starts the OPL's web app with a demo process, accounts and received records
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
# apt's and pip's own output goes here; each step prints one line (the log's tail on failure)
LOG := make-install.log
CONSTRAINTS := constraints.txt
QUIET = >>$(LOG) 2>&1 || { echo "   falló; últimas líneas de $(LOG):"; tail -n 25 $(LOG); exit 1; }

# Runtime packages (what `make demo` needs) and the extra ones the test suite uses.
APT_RUNTIME := python3-venv python3-dev tesseract-ocr tesseract-ocr-spa tesseract-ocr-eng \
	libzbar0 fonts-ocr-b fonts-dejavu-core
APT_TEST := postgresql shellcheck systemd tmux sane-utils chromium poppler-utils nginx openssl strace \
	fonts-liberation

.PHONY: demo demo-central test test-fast bench install deps test-deps lock clean pi-smoke

demo: .stamp-apt-runtime $(VENV)/.stamp-demo
	@echo "==> kiosk demo (receptor local, dispositivos simulados)"
	$(VENV)/bin/kiosk demo

demo-central: .stamp-apt-runtime $(VENV)/.stamp-demo
	$(PY) -m central.demo

# one thread per pytest worker for OpenCV, BLAS and OpenMP: two workers on two cores, each with
# its own pool of two threads, spent ~4 % of the CPU trading places (test_every_photo and
# test_qr_source: 301 -> 290 s)
test: deps test-deps
	OPENCV_FOR_THREADS_NUM=1 OPENBLAS_NUM_THREADS=1 OMP_NUM_THREADS=1 $(PY) -m pytest -n 2 --dist loadgroup --timeout 900 -m "not slow and not benchmark" tests

test-fast: deps
	$(PY) -m pytest -x -q -m "not slow and not benchmark and not postgres" tests

bench: deps
	@for b in tests/benchmarks/bench_*.py; do echo "== $$b"; $(PY) $$b || exit 1; done

# Pin what passed the tests: constraints.txt (make test, make demo, install.sh) and the Pi's
# variant (numpy 1.x and its OpenCV, for apt's picamera2).
lock:
	$(PY) -m pip freeze --exclude-editable --disable-pip-version-check | grep -vi '^apoyo-kiosk' > $(CONSTRAINTS)
	$(PY) systemd/pi_constraints.py $(CONSTRAINTS) > systemd/constraints-pi.txt

# Raspberry Pi deployment (see README, "Poner en marcha un kiosko"); UI=cage for touchscreens.
UI ?= tty
install:
	$(SUDO) bash systemd/install.sh --ui $(UI)

# Pi smoke test (slow, not part of make test): a Debian Bookworm arm64 root under qemu-user emulation,
# the kiosk installed in it by install.sh (--pi yes, constraints-pi.txt), then kiosk --version,
# doctor and a 2-record headless demo. Root in /var/tmp/apoyo-pi-smoke, log in /var/tmp/apoyo-pi-smoke.log.
APT_PI_SMOKE := debootstrap proot qemu-user-static
pi-smoke:
	@missing=$$(for p in $(APT_PI_SMOKE); do dpkg -s $$p >/dev/null 2>&1 || echo $$p; done); \
	if [ -n "$$missing" ]; then \
	  echo "==> paquetes para pi-smoke: $$missing (detalle en $(LOG))"; \
	  { $(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get update -qq && \
	    $(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $$missing; } $(QUIET); \
	fi
	$(SUDO) bash systemd/pi_smoke.sh

deps: .stamp-apt-runtime $(VENV)/.stamp

test-deps: .stamp-apt-test

.stamp-apt-runtime:
	@missing=$$(for p in $(APT_RUNTIME); do dpkg -s $$p >/dev/null 2>&1 || echo $$p; done); \
	if [ -n "$$missing" ]; then \
	  echo "==> paquetes del sistema: $$missing (detalle en $(LOG))"; \
	  { $(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get update -qq && \
	    $(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $$missing; } $(QUIET); \
	fi
	@touch $@

.stamp-apt-test:
	@missing=$$(for p in $(APT_TEST); do dpkg -s $$p >/dev/null 2>&1 || echo $$p; done); \
	if [ -n "$$missing" ]; then \
	  echo "==> paquetes para las pruebas: $$missing (detalle en $(LOG))"; \
	  { $(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get update -qq && \
	    $(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $$missing; } $(QUIET); \
	fi
	@touch $@

$(VENV)/bin/python:
	@echo "==> entorno de Python en $(VENV)"
	@$(PYTHON) -m venv $(VENV) $(QUIET)
	@echo "==> pip al día (detalle en $(LOG))"
	@$(PY) -m pip install --disable-pip-version-check --upgrade pip $(QUIET)

# make demo: the kiosk and the local receiver; make test: everything (the test extra includes it)
$(VENV)/.stamp-demo: pyproject.toml $(CONSTRAINTS) | $(VENV)/bin/python
	@echo "==> instalando Apoyo Kiosk y el receptor local (unos minutos la primera vez; detalle en $(LOG))"
	@$(PY) -m pip install --disable-pip-version-check -c $(CONSTRAINTS) -e '.[receiver]' $(QUIET)
	@touch $@

$(VENV)/.stamp: pyproject.toml $(CONSTRAINTS) | $(VENV)/bin/python
	@echo "==> instalando Apoyo Kiosk con lo de las pruebas (unos minutos la primera vez; detalle en $(LOG))"
	@$(PY) -m pip install --disable-pip-version-check -c $(CONSTRAINTS) -e '.[test]' $(QUIET)
	@touch $@ $(VENV)/.stamp-demo

clean:
	rm -rf $(VENV) .stamp-apt-runtime .stamp-apt-test .pytest_cache $(LOG)
