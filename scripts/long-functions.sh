#!/usr/bin/env bash
# Lists the functions of src/ longer than a limit (default 150 lines, from the
# line of `fn` to the line of its closing brace), longest first:
#   scripts/long-functions.sh [LIMIT] [DIR...]
# Exit status 1 when there is any, so CI or a reviewer can use it as a check.
# The scan strips comments, strings and character literals before counting
# braces, so `'{'` or "}" in the code does not end a function early.
set -euo pipefail
cd "$(dirname "$0")/.."
limit=${1:-150}
shift || true
dirs=("$@")
((${#dirs[@]})) || dirs=(src)
exec python3 - "$limit" "${dirs[@]}" <<'PY'
import os, re, sys

limit = int(sys.argv[1])
IDENT = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")

def code_only(text):
    """The text with comments, strings and char literals blanked (newlines kept)."""
    out, i, n = [], 0, len(text)
    while i < n:
        c = text[i]
        if text.startswith("//", i):
            j = text.find("\n", i)
            j = n if j < 0 else j
            out.append(" " * (j - i)); i = j
        elif text.startswith("/*", i):
            depth, j = 1, i + 2
            while j < n and depth:
                if text.startswith("/*", j): depth += 1; j += 2
                elif text.startswith("*/", j): depth -= 1; j += 2
                else: j += 1
            out.append(re.sub(r"[^\n]", " ", text[i:j])); i = j
        elif re.match(r'(b?r#*")', text[i:i + 260]) and (i == 0 or not (text[i - 1].isalnum() or text[i - 1] == "_")):
            m = re.match(r'b?r(#*)"', text[i:])
            end = '"' + m.group(1)
            j = text.find(end, i + m.end())
            j = n if j < 0 else j + len(end)
            out.append(re.sub(r"[^\n]", " ", text[i:j])); i = j
        elif c == '"' or (c == "b" and text.startswith('b"', i) and (i == 0 or not (text[i - 1].isalnum() or text[i - 1] == "_"))):
            j = i + (2 if c == "b" else 1)
            while j < n and text[j] != '"':
                j += 2 if text[j] == "\\" else 1
            j += 1
            out.append(re.sub(r"[^\n]", " ", text[i:j])); i = j
        elif c == "'":
            m = re.match(r"'(\\(x[0-9a-fA-F]{2}|u\{[0-9a-fA-F]+\}|.)|[^\\'])'", text[i:i + 16], re.S)
            if m:
                out.append(" " * m.end()); i += m.end()
            else:  # a lifetime or label
                out.append(c); i += 1
        else:
            out.append(c); i += 1
    return "".join(out)

def functions(path):
    code = code_only(open(path, encoding="utf-8").read())
    line_of = lambda pos: code.count("\n", 0, pos) + 1
    for m in re.finditer(r"\bfn\s+([A-Za-z_][A-Za-z0-9_]*)", code):
        # The body: the first `{` outside parentheses and angle-free of `;`.
        i, parens = m.end(), 0
        while i < len(code):
            ch = code[i]
            if ch in "([": parens += 1
            elif ch in ")]": parens -= 1
            elif ch == ";" and parens == 0: break  # a declaration without a body
            elif ch == "{" and parens == 0: break
            i += 1
        if i >= len(code) or code[i] != "{":
            continue
        depth, j = 0, i
        while j < len(code):
            if code[j] == "{": depth += 1
            elif code[j] == "}":
                depth -= 1
                if depth == 0: break
            j += 1
        start, end = line_of(m.start()), line_of(j)
        yield m.group(1), start, end - start + 1

found = []
for root in sys.argv[2:]:
    for dirpath, _, files in os.walk(root):
        for f in files:
            if f.endswith(".rs"):
                path = os.path.join(dirpath, f)
                for name, start, length in functions(path):
                    if length > limit:
                        found.append((length, path, start, name))
for length, path, start, name in sorted(found, key=lambda x: (-x[0], x[1], x[2])):
    print(f"{length:5} {path}:{start} {name}")
sys.exit(1 if found else 0)
PY
