#!/usr/bin/env python3
"""Structure figures for issue 10: the import graph of src/ between files (circles = strongly
connected groups of more than one file), files over 400 lines and functions over 80 lines.

    python3 scripts/structure.py          # summary
    python3 scripts/structure.py -v       # and every circle, file and function named
"""
import os, re, sys

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "src")
files = {}
for d, _, fs in os.walk(ROOT):
    for f in fs:
        if f.endswith(".rs"):
            p = os.path.join(d, f)
            files[os.path.relpath(p, ROOT)] = open(p, encoding="utf-8").read()

def module_of(rel):
    parts = rel[:-3].split(os.sep)
    if parts[-1] in ("mod", "lib", "main"):
        parts = parts[:-1]
    return parts

mods = {tuple(module_of(r)): r for r in files}

def strip_tests(text):
    # Drop `#[cfg(test)] mod tests { ... }` blocks and test-only files' own imports.
    out, i = [], 0
    for m in re.finditer(r"#\[cfg\(test\)\]\s*(?:pub(?:\([^)]*\))? )?mod \w+\s*\{", text):
        out.append(text[i:m.start()])
        depth, j = 1, m.end()
        while depth and j < len(text):
            depth += {"{": 1, "}": -1}.get(text[j], 0)
            j += 1
        i = j
    out.append(text[i:])
    return "".join(out)

def resolve(cur, path):
    """Longest module prefix of `path` (a list) that is a file."""
    for n in range(len(path), 0, -1):
        if tuple(path[:n]) in mods:
            return mods[tuple(path[:n])]
    return None

edges = {r: set() for r in files}
for rel, text in files.items():
    if rel.endswith("tests.rs") or "/tests/" in rel:
        continue
    here = module_of(rel)
    body = strip_tests(text)
    # Expand `use crate::{a::b, c}` groups roughly: take every crate::/super:: path.
    for m in re.finditer(r"\b(crate|super)((?:::\w+)+)(::\{[^;]*\})?", body):
        base = m.group(1)
        path = m.group(2).strip(":").split("::")
        if base == "super":
            start = here[:-1] if not rel.endswith("mod.rs") else here[:-1]
            full = start + path
        else:
            full = path
        groups = [full]
        if m.group(3):
            for item in re.split(r",", m.group(3)[3:-1]):
                item = item.strip().split(" as ")[0].strip()
                if item and item != "self":
                    groups.append(full + [w for w in item.split("::") if w and w != "{"])
        for g in groups:
            t = resolve(here, g)
            if t and t != rel:
                edges[rel].add(t)

# Tarjan's strongly connected components.
index, low, stack, on, sccs, counter = {}, {}, [], set(), [], [0]
sys.setrecursionlimit(10000)
def visit(v):
    index[v] = low[v] = counter[0]; counter[0] += 1
    stack.append(v); on.add(v)
    for w in edges[v]:
        if w not in index:
            visit(w); low[v] = min(low[v], low[w])
        elif w in on:
            low[v] = min(low[v], index[w])
    if low[v] == index[v]:
        comp = []
        while True:
            w = stack.pop(); on.discard(w); comp.append(w)
            if w == v: break
        if len(comp) > 1:
            sccs.append(sorted(comp))
for v in files:
    if v not in index:
        visit(v)

big = sorted(((len(t.splitlines()), r) for r, t in files.items() if len(t.splitlines()) > 400), reverse=True)
funcs = []
for rel, text in files.items():
    lines = text.splitlines()
    for i, line in enumerate(lines):
        m = re.match(r"^(\s*)(pub(\([^)]*\))? )?(async )?(const )?(unsafe )?fn (\w+)", line)
        if not m or line.rstrip().endswith(";"):
            continue
        indent = m.group(1)
        for j in range(i + 1, len(lines)):
            if lines[j].startswith(indent + "}") and len(lines[j].strip()) <= 2:
                n = j - i + 1
                if n > 80:
                    funcs.append((n, f"{rel}:{i+1} {m.group(7)}"))
                break
funcs.sort(reverse=True)
verbose = "-v" in sys.argv
print(f"files: {len(files)}; import circles: {len(sccs)} ({sum(len(c) for c in sccs)} files)")
if verbose:
    for c in sccs:
        print("  circle:", ", ".join(c))
print(f"files over 400 lines: {len(big)}" + (f"; longest {big[0][1]} ({big[0][0]})" if big else ""))
if verbose:
    for n, r in big:
        print(f"  {n:5} {r}")
print(f"functions over 80 lines: {len(funcs)}" + (f"; longest {funcs[0][1]} ({funcs[0][0]})" if funcs else ""))
if verbose:
    for n, r in funcs:
        print(f"  {n:5} {r}")
