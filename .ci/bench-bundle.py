#!/usr/bin/env python3
"""`make bench`: what a first visit downloads, per lazy island, and each lazy island's own files.
Reads the release site (target/site/pkg, split and precompressed by the build): the shell
(main WASM, its JS, the split loader and the CSS) plus the split and chunks a page's lazy
islands need, per the split manifest (one split per `#[island(lazy)]`). A page without a lazy
island fetches the shell only; a list page fetches two lazy islands (its line below).
Brotli sizes are the build's own .br files (best quality); gzip is recomputed at -9."""
import glob, gzip, json, os, sys

pkg = sys.argv[1] if len(sys.argv) > 1 else "target/site/pkg"
kib = lambda n: f"{n / 1024:8.1f}"

def sizes(name):
    path = os.path.join(pkg, name)
    raw = open(path, "rb").read()
    br_path = path + ".br"
    br = os.path.getsize(br_path) if os.path.exists(br_path) else 0
    return len(raw), len(gzip.compress(raw, 9)), br

def one(pattern):
    found = sorted(glob.glob(os.path.join(pkg, pattern)))
    found = [f for f in found if not f.endswith((".br", ".gz"))]
    return os.path.basename(found[0]) if found else None

shell = [one("leadflow.*wasm"), one("leadflow.*js"), one("__wasm_split.*js"), one("leadflow.*css")]
shell = [f for f in shell if f]
manifest_file = one("__wasm_split_manifest*.json")
manifest = json.load(open(os.path.join(pkg, manifest_file))) if manifest_file else {}
files = {os.path.basename(f) for f in os.listdir(pkg)}

def chunk_file(chunk):
    return next((f for f in files if (f.startswith(chunk + ".") or f == chunk + ".wasm") and f.endswith(".wasm")), None)

total = lambda names: tuple(sum(sizes(n)[i] for n in names) for i in range(3))
print(f"{'':44} {'raw KiB':>8} {'gzip KiB':>8} {'br KiB':>8} files")
raw, gz, br = total(shell)
print(f"{'shell (main wasm, js, css)':44} {kib(raw)} {kib(gz)} {kib(br)} {len(shell)}")
routes = []
for split, chunks in manifest.items():
    route = split.strip("_").rsplit("_", 1)[0]
    # The manifest lists the island's split itself among its chunks (older builds did not).
    names = {c for c in (chunk_file(c) for c in chunks) if c}
    names |= {f for f in files if f.startswith("split_" + split) and f.endswith(".wasm")}
    routes.append((route, sorted(names)))
print("first visit, per lazy island (shell + the island's split and chunks):")
for route, names in sorted(routes):
    raw, gz, br = total(shell + names)
    print(f"  {route:42} {kib(raw)} {kib(gz)} {kib(br)} {len(shell) + len(names)}")
# Pages with more than one lazy island: the lead, account and contact lists.
together = {"list page (bulk bar + CSV export)": ("bulk_bar_loader", "csv_download_loader")}
for page, islands in together.items():
    names = sorted({n for route, ns in routes if route in islands for n in ns})
    if all(any(route == island for route, _ in routes) for island in islands):
        raw, gz, br = total(shell + names)
        print(f"  {page:42} {kib(raw)} {kib(gz)} {kib(br)} {len(shell) + len(names)}")
print("each lazy island's own split and chunks:")
for route, names in sorted(routes):
    raw, gz, br = total(names)
    print(f"  {route:42} {kib(raw)} {kib(gz)} {kib(br)} {len(names)}")
