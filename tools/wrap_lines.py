"""Wrap code lines longer than a limit in notebook code cells, without changing what the code means.

    python tools/wrap_lines.py nbs/*.ipynb [--limit 120] [--check]

A long line is split after the header of a one-line compound statement (`if c: body`), after a comma inside brackets (the rest aligned after the bracket), or a long string literal
is split into two adjacent literals at a space (parenthesised where it stood alone). A line that is long only through
its trailing comment is left alone (docments read a parameter's comment from its own line). Every change is kept only if
the cell's syntax tree (`ast.dump`) is exactly what it was, so behaviour cannot change; lines that cannot be split
that way (a trailing comment, one long name) are left as they are. `--check` only counts.
"""
import argparse, ast, io, json, re, sys, tokenize
from pathlib import Path

OPEN, CLOSE = '([{', ')]}'
DEEP = 60   # a continuation line indented further than this is hard to read

def _tokens(src:str)->list:
    return list(tokenize.generate_tokens(io.StringIO(src).readline))

def _comma_split(src:str, lines:list[str], n:int, limit:int, toks:list):
    ("`src` with line n (1-based) broken after an in-bracket comma that keeps the first part within `limit`, or None: "
     "the outermost such comma (the rest then aligns after a bracket near the line's start), the last one among equals.")
    stack, cands = [], []
    for t in toks:
        if t.type == tokenize.OP and t.string in OPEN: stack.append(t.start)
        elif t.type == tokenize.OP and t.string in CLOSE and stack: stack.pop()
        elif t.type == tokenize.OP and t.string == ',' and t.start[0] == n and stack and limit//2 <= t.end[1] < limit:
            cands.append((len(stack), -t.end[1], t, stack[-1]))   # (an early comma would leave a stub and the long part long)
        if t.start[0] > n: break
    line = lines[n - 1]
    splits = []
    for _, _, t, (bl, bc) in sorted(cands, key=lambda c: c[:2]):
        rest = line[t.end[1]:].lstrip()
        if not rest or rest[0] in '#' + CLOSE: continue      # nothing after it, a comment, or a one-element tuple's comma
        splits.append((t, bc + 1 if bl == n else len(line) - len(line.lstrip()), rest))
    # a rest hanging far right (past DEEP) reads badly: take it only where no other split exists
    for t, ind, rest in sorted(splits, key=lambda s: s[1] > DEEP)[:1]:
        return ''.join(lines[:n - 1]) + line[:t.end[1]].rstrip() + '\n' + ' '*ind + rest + ''.join(lines[n:])
    return None

HEADERS = ('if ', 'elif ', 'else:', 'for ', 'while ', 'with ', 'try:', 'except', 'finally:')

def _body_split(src:str, lines:list[str], n:int, limit:int, toks:list):
    "`src` with the one-line body of a compound statement on line n (`if c: x`) moved to its own, indented line, or None."
    line = lines[n - 1]
    code = line.lstrip()
    if not code.startswith(HEADERS): return None
    depth = 0
    for t in toks:
        if t.start[0] < n: continue
        if t.start[0] > n: break
        if t.type == tokenize.OP and t.string in OPEN: depth += 1
        elif t.type == tokenize.OP and t.string in CLOSE: depth -= 1
        elif t.type == tokenize.OP and t.string == ':' and depth == 0:
            rest = line[t.end[1]:].strip()
            if not rest or rest.startswith('#'): return None
            ind = len(line) - len(code)
            new = line[:t.end[1]] + '\n' + ' '*(ind + 4) + line[t.end[1]:].lstrip()
            return ''.join(lines[:n - 1]) + new + ''.join(lines[n:])
    return None

def _string_split(src:str, lines:list[str], n:int, limit:int, toks:list):
    "`src` with a long one-line string literal on line n split into two adjacent literals at a space, or None."
    depth = 0
    for t in toks:
        if t.start[0] > n: break
        if t.type == tokenize.OP and t.string in OPEN: depth += 1
        elif t.type == tokenize.OP and t.string in CLOSE: depth -= 1
        if t.type != tokenize.STRING or t.start[0] != n or t.end[0] != n or t.end[1] <= limit: continue
        if t.start[1] > DEEP: continue                     # its second half would hang far right
        m = re.match(r'([rRfFuU]*)(["\'])', t.string)
        if not m or t.string[len(m[1]):].startswith(m[2]*3) or 'b' in m[1].lower(): continue
        pre, q = m[1], m[2]
        body = t.string[len(pre) + 1:-1]
        cut, level = None, 0
        for i, ch in enumerate(body):           # the last space outside {...} that keeps the first part short enough
            if 'f' in pre.lower() and ch in '{}':
                level += 1 if ch == '{' else -1
            if ch == ' ' and level == 0 and t.start[1] + len(pre) + 1 + i + 2 < limit - (2 if depth == 0 else 0) and i > 0:
                if body[i - 1] != '\\': cut = i + 1
        if cut is None: continue
        a, b = f"{pre}{q}{body[:cut]}{q}", f"{pre}{q}{body[cut:]}{q}"
        line = lines[n - 1]
        if depth > 0: new = line[:t.start[1]] + a + '\n' + ' '*t.start[1] + b + line[t.end[1]:]
        else: new = line[:t.start[1]] + '(' + a + '\n' + ' '*(t.start[1] + 1) + b + ')' + line[t.end[1]:]
        return ''.join(lines[:n - 1]) + new + ''.join(lines[n:])
    return None

def wrap_source(src:str, limit:int=120)->str:
    "Cell source with long lines wrapped where the syntax tree stays the same."
    try: tree = ast.dump(ast.parse(src))
    except SyntaxError: return src                          # magics, shell escapes: left alone
    skip = set()
    while True:
        lines = src.splitlines(True)
        todo = [i + 1 for i, l in enumerate(lines) if len(l.rstrip('\n')) > limit and l not in skip]
        if not todo: return src
        # (join_stubs then tidies what a split leaves behind)
        n = todo[0]
        try: toks = _tokens(src)
        except (tokenize.TokenError, IndentationError, SyntaxError): return src
        comment = next((t for t in toks if t.type == tokenize.COMMENT and t.start[0] == n), None)
        if comment is not None and len(lines[n - 1][:comment.start[1]].rstrip()) <= limit:
            skip.add(lines[n - 1]); continue     # long only through its comment (docments): the comment must stay on its line
        for attempt in (_body_split, _comma_split, _string_split):
            new = attempt(src, lines, n, limit, toks)
            try: ok = new is not None and ast.dump(ast.parse(new)) == tree
            except SyntaxError: ok = False
            if ok: src = new; break
        else: skip.add(lines[n - 1])

def join_stubs(src:str, limit:int=120, stub:int=30)->str:
    "Join a short argument line (`x=1,`) that a split left alone onto the next line of the same indent, where it fits."
    try: tree = ast.dump(ast.parse(src))
    except SyntaxError: return src
    lines, i = src.splitlines(True), 0
    while i < len(lines) - 1:
        a, b = lines[i].rstrip('\n'), lines[i + 1]
        ind = len(a) - len(a.lstrip())
        if (a.strip().endswith(',') and len(a.strip()) < stub and '#' not in a and b.strip() and not b.lstrip().startswith('#')
                and len(b) - len(b.lstrip()) == ind and len(a) + 1 + len(b.strip()) <= limit):
            new = ''.join(lines[:i]) + a + ' ' + b.lstrip() + ''.join(lines[i + 2:])
            try:
                if ast.dump(ast.parse(new)) == tree: src, lines = new, new.splitlines(True); continue
            except SyntaxError: pass
        i += 1
    return src

def unwrap_deep(src:str)->str:
    "Join continuation lines indented beyond `DEEP` (left by an earlier, worse split) back onto the line before them."
    try: tree = ast.dump(ast.parse(src))
    except SyntaxError: return src
    lines, i = src.splitlines(True), 1
    while i < len(lines):
        l = lines[i]
        if l.strip() and len(l) - len(l.lstrip()) > DEEP and not l.lstrip().startswith('#'):
            a, b = lines[i - 1].rstrip('\n').rstrip(), l.lstrip()
            m = re.match(r'[rRfFuU]*(["\'])', b)
            joins = [a + ' ' + b]
            if m and a.endswith(m[1]): joins.insert(0, a[:-1] + b[m.end():])   # two pieces of one string: one literal again
            for j in joins:
                new = ''.join(lines[:i - 1]) + j + ''.join(lines[i + 1:])
                try: ok = ast.dump(ast.parse(new)) == tree
                except SyntaxError: ok = False
                if ok: break
            if ok: src, lines = new, new.splitlines(True); continue
        i += 1
    return src

def long_lines(src:str, limit:int)->int: return sum(len(l) > limit for l in src.splitlines())

def main(argv=None)->int:
    ap = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    ap.add_argument('notebooks', nargs='+')
    ap.add_argument('--limit', type=int, default=120)
    ap.add_argument('--check', action='store_true', help='only count long lines')
    a = ap.parse_args(argv)
    total = before = after = 0
    for p in map(Path, a.notebooks):
        nb = json.loads(p.read_text())
        changed = False
        for c in nb['cells']:
            if c['cell_type'] != 'code': continue
            src = ''.join(c['source'])
            total += len(src.splitlines()); before += long_lines(src, a.limit)
            new = src if a.check else join_stubs(wrap_source(unwrap_deep(src), a.limit), a.limit)
            after += long_lines(new, a.limit)
            if new != src: c['source'], changed = new.splitlines(True), True
        if changed: p.write_text(json.dumps(nb, indent=1, ensure_ascii=False) + '\n')
    print(f"{total} code lines; over {a.limit} characters: {before} before, {after} after "
          f"({1000*after/max(total, 1):.1f} per 1000)")
    return 0

if __name__ == '__main__': sys.exit(main())
