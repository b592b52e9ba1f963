# Leadflow's two commands (and a benchmark). Each installs missing tools first.
SHELL := /bin/bash
export PATH := $(CURDIR)/end2end/node_modules/.bin:$(HOME)/.cargo/bin:$(PATH)

.PHONY: run test bench tools

## Build and run the app on http://127.0.0.1:3000 (demo data on first start).
run:
	.ci/install-tools
	cargo leptos serve --release --split --precompress

## Every check and test (what CI runs).
test:
	.ci/install-tools --test
	.ci/test

## Print bundle size, time to first page, throughput and latency.
bench:
	.ci/install-tools --bench
	.ci/bench

tools:
	.ci/install-tools --test --bench
