#!/usr/bin/env python3
"""Where the console's wasm goes: code bytes per crate and per function.

Reads the function names (the `name` custom section, present before `wasm-opt` strips it)
and each function body's size (the code section) of a wasm file, demangles Rust's legacy
symbol names and sums the bytes by the crate that owns each function's path.

    scripts/wasm-profile.py [target/front/wasm32-unknown-unknown/wasm-release/tenex.wasm] [--top N] [--grep TEXT]
"""

import argparse
import collections
import re
import sys

DEFAULT = "target/front/wasm32-unknown-unknown/wasm-release/tenex.wasm"


def leb(data, pos):
    result = shift = 0
    while True:
        b = data[pos]
        pos += 1
        result |= (b & 0x7F) << shift
        shift += 7
        if b < 0x80:
            return result, pos


def sections(data):
    if data[:4] != b"\0asm":
        sys.exit("not a wasm file")
    pos = 8
    while pos < len(data):
        kind = data[pos]
        size, pos = leb(data, pos + 1)
        yield kind, data[pos : pos + size]
        pos += size


def imported_functions(body):
    count, pos = leb(body, 0)
    funcs = 0
    for _ in range(count):
        for _ in range(2):  # module, field
            n, pos = leb(body, pos)
            pos += n
        kind = body[pos]
        pos += 1
        if kind == 0:  # function: type index
            _, pos = leb(body, pos)
            funcs += 1
        elif kind == 1:  # table: reftype, limits
            pos += 1
            flags, pos = leb(body, pos)
            _, pos = leb(body, pos)
            if flags & 1:
                _, pos = leb(body, pos)
        elif kind == 2:  # memory: limits
            flags, pos = leb(body, pos)
            _, pos = leb(body, pos)
            if flags & 1:
                _, pos = leb(body, pos)
        elif kind == 3:  # global: valtype, mutability
            pos += 2
        else:
            sys.exit(f"unknown import kind {kind}")
    return funcs


def code_sizes(body):
    count, pos = leb(body, 0)
    sizes = []
    for _ in range(count):
        size, pos = leb(body, pos)
        sizes.append(size)
        pos += size
    return sizes


def function_names(body):
    names = {}
    pos = 0
    while pos < len(body):
        sub = body[pos]
        size, pos = leb(body, pos + 1)
        end = pos + size
        if sub == 1:
            count, p = leb(body, pos)
            for _ in range(count):
                index, p = leb(body, p)
                n, p = leb(body, p)
                names[index] = body[p : p + n].decode("utf-8", "replace")
                p += n
        pos = end
    return names


def demangle(name):
    """`_ZN4core3fmt5write17h…E` → `core::fmt::write` (legacy mangling, hash dropped)."""
    if not name.startswith("_ZN"):
        return name
    parts, pos = [], 3
    while pos < len(name) and name[pos] != "E":
        m = re.match(r"\d+", name[pos:])
        if not m:
            break
        n = int(m.group())
        pos += len(m.group())
        parts.append(name[pos : pos + n])
        pos += n
    if parts and re.fullmatch(r"h[0-9a-f]{16}", parts[-1]):
        parts.pop()
    text = "::".join(parts)
    for code, char in (
        ("$LT$", "<"), ("$GT$", ">"), ("$u20$", " "), ("$u27$", "'"), ("$u5b$", "["),
        ("$u5d$", "]"), ("$u7b$", "{"), ("$u7d$", "}"), ("$RF$", "&"), ("$BP$", "*"),
        ("$C$", ","), ("$LP$", "("), ("$RP$", ")"), ("..", "::"), ("$u3b$", ";"),
    ):
        text = text.replace(code, char)
    return text


def owner(path):
    """The crate a function belongs to: the first path segment, or for `<T as Trait>` the
    implementing type's crate."""
    path = path.lstrip("_<&*")
    for prefix in ("mut ", "dyn ", "const "):
        if path.startswith(prefix):
            path = path[len(prefix):]
    head = re.split(r"::| as |[<>, ]", path, maxsplit=1)[0]
    return head or "?"


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("wasm", nargs="?", default=DEFAULT)
    parser.add_argument("--top", type=int, default=25)
    parser.add_argument("--grep", help="also list the largest functions whose name contains this")
    args = parser.parse_args()
    data = open(args.wasm, "rb").read()
    imports, sizes, names = 0, [], {}
    for kind, body in sections(data):
        if kind == 2:
            imports = imported_functions(body)
        elif kind == 10:
            sizes = code_sizes(body)
        elif kind == 0:
            n, p = leb(body, 0)
            if body[p : p + n] == b"name":
                names = function_names(body[p + n :])
    if not names:
        sys.exit("no name section: profile the wasm before wasm-opt")
    total = sum(sizes)
    by_crate = collections.Counter()
    functions = []
    for i, size in enumerate(sizes):
        name = demangle(names.get(i + imports, f"func{i + imports}"))
        by_crate[owner(name)] += size
        functions.append((size, name))
    print(f"{args.wasm}: {len(data):,} bytes, {total:,} bytes of code in {len(sizes):,} functions")
    print("\nby crate:")
    for crate, size in by_crate.most_common(args.top):
        print(f"  {size:>10,}  {100 * size / total:5.1f}%  {crate}")
    functions.sort(reverse=True)
    print("\nlargest functions:")
    for size, name in functions[: args.top]:
        print(f"  {size:>8,}  {name[:140]}")
    if args.grep:
        hits = [(s, n) for s, n in functions if args.grep in n]
        print(f"\ncontaining {args.grep!r}: {len(hits):,} functions, {sum(s for s, _ in hits):,} bytes")
        for size, name in hits[: args.top]:
            print(f"  {size:>8,}  {name[:140]}")


if __name__ == "__main__":
    main()
