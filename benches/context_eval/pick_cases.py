#!/usr/bin/env python3
"""Selects evaluation cases for `cargo bench --bench context_eval` from clones of public
repositories: the newest non-merge commits whose subject says they fix something and that
modify 1-4 existing source files (tests, documentation and changelogs may change too but are
not part of the answer). The commit message is the prompt, kept as written.

Usage: pick_cases.py CLONES_DIR OWNER/NAME[:N] ... > cases.jsonl
"""
import json
import re
import subprocess
import sys

SOURCE = (".py", ".rs", ".js", ".mjs", ".ts", ".go")
FIX = re.compile(r"\b(fix(es|ed)?|bug)\b", re.I)
SKIP = re.compile(
    r"\b(typos?|docs?|docstrings?|documentation|grammar|grammatical|changelog|readme|ci|lint\w*|mypy|clippy|"
    r"bump|release|version|revert|merge|format(ting)?|style|deprecat\w*)\b",
    re.I,
)


def is_test(path):
    parts = path.lower().split("/")
    name = parts[-1]
    return (
        any(p in ("test", "tests", "testing", "testdata", "testsuite", "examples", "benches", "docs", "doc") for p in parts[:-1])
        or name.startswith("test_")
        or name.endswith(("_test.go", "_test.py", ".test.js", ".spec.js", "tests.rs"))
        or name in ("conftest.py", "setup.py", "build.rs")
    )


def git(repo, *args):
    return subprocess.run(["git", "-C", repo, *args], capture_output=True, text=True, check=True).stdout


def cases(clones, slug, want):
    repo = f"{clones}/{slug.split('/')[1]}"
    out = []
    log = git(repo, "log", "--no-merges", "--first-parent", "--format=%H %P", "HEAD")
    for line in log.splitlines():
        if len(out) >= want:
            break
        commit, *parents = line.split()
        if len(parents) != 1:
            continue
        message = git(repo, "log", "-1", "--format=%B", commit).strip()
        subject = message.splitlines()[0] if message else ""
        if not FIX.search(subject) or SKIP.search(subject) or len(message) < 30:
            continue
        changes = [l.split("\t") for l in git(repo, "diff", "--name-status", "--no-renames", parents[0], commit).splitlines()]
        if len(changes) > 12:
            continue
        source = [(s, p) for s, p in changes if p.endswith(SOURCE) and not is_test(p)]
        if not 1 <= len(source) <= 4 or any(s != "M" for s, _ in source):
            continue
        out.append({
            "repo": slug,
            "commit": commit,
            "parent": parents[0],
            "message": message,
            "files": sorted(p for _, p in source),
        })
    return out


def main():
    clones = sys.argv[1]
    for arg in sys.argv[2:]:
        slug, _, n = arg.partition(":")
        for case in cases(clones, slug, int(n or 10)):
            print(json.dumps(case, ensure_ascii=False))


if __name__ == "__main__":
    main()
