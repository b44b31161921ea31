"""Put every `;`-chained statement of the notebooks' code cells on its own line (house style: no `;` chains).

`a = 1; b = 2` becomes two lines at the same indent; a one-line compound statement (`if c: a; b`, `for ...: a; b`,
`def f(): a; b`) becomes a block, its body one indent deeper. The syntax tree of every cell stays the same
(checked cell by cell: a cell that would change, or that does not parse as Python, is left alone and reported).

    python tools/split_semicolons.py nbs/*.ipynb          # rewrite the notebooks
    python tools/split_semicolons.py --check nbs/*.ipynb  # exit 1 where a `;` chain is left
"""
import ast, io, json, sys, tokenize
from pathlib import Path

COMPOUND = {'if', 'elif', 'else', 'for', 'while', 'with', 'try', 'except', 'finally', 'def', 'class', 'async'}

def _logical_lines(src:str)->list[list]:
    "The tokens of each logical line of `src` (comments and blank lines dropped)."
    out, cur = [], []
    for t in tokenize.generate_tokens(io.StringIO(src).readline):
        if t.type in (tokenize.NL, tokenize.COMMENT, tokenize.INDENT, tokenize.DEDENT, tokenize.ENCODING): continue
        if t.type in (tokenize.NEWLINE, tokenize.ENDMARKER):
            if cur: out.append(cur)
            cur = []
        else: cur.append(t)
    return out

def _offset(lines:list[str], pos:tuple[int, int])->int:
    "Character offset in the joined source of a (row, col) token position."
    return sum(len(l) for l in lines[:pos[0] - 1]) + pos[1]

def _split_line(toks:list, lines:list[str])->list[tuple[int, int, str]]:
    "Edits (start, end, text) that put the statements of one logical line on lines of their own."
    semis = [t for t in toks[:-1] if t.type == tokenize.OP and t.string == ';']   # a trailing `;` hides output: kept
    if not semis: return []
    first = lines[toks[0].start[0] - 1]
    indent = first[:len(first) - len(first.lstrip())]
    edits, body_indent = [], indent
    if toks[0].type == tokenize.NAME and toks[0].string in COMPOUND:
        depth = 0
        for t in toks:
            if t.type == tokenize.OP and t.string in '([{': depth += 1
            elif t.type == tokenize.OP and t.string in ')]}': depth -= 1
            elif t.type == tokenize.OP and t.string == ':' and depth == 0: colon = t; break
            elif t.type == tokenize.NAME and t.string == 'lambda' and depth == 0: return []   # too clever: leave it
        else: return []
        body_indent = indent + '    '
        nxt = toks[toks.index(colon) + 1]
        edits.append((_offset(lines, colon.end), _offset(lines, nxt.start), '\n' + body_indent))
    for s in semis:
        nxt = toks[toks.index(s) + 1]
        edits.append((_offset(lines, s.start), _offset(lines, nxt.start), '\n' + body_indent))
    return edits

def split_source(src:str)->str:
    "`src` with its `;` chains split (unchanged where it does not parse or the syntax tree would change)."
    try: tree = ast.dump(ast.parse(src))
    except SyntaxError: return src
    lines = src.splitlines(keepends=True)
    edits = [e for toks in _logical_lines(src) for e in _split_line(toks, lines)]
    if not edits: return src
    out = src
    for a, b, text in sorted(edits, reverse=True): out = out[:a] + text + out[b:]
    out = '\n'.join(l.rstrip() for l in out.split('\n'))
    try: same = ast.dump(ast.parse(out)) == tree
    except SyntaxError: same = False
    return out if same else src

def chains(src:str)->int:
    "Logical lines of `src` that chain statements with `;`."
    try: ast.parse(src)
    except SyntaxError: return 0
    return sum(any(t.type == tokenize.OP and t.string == ';' for t in toks[:-1]) for toks in _logical_lines(src))

def main(paths:list[str], check:bool=False)->int:
    left = 0
    for p in paths:
        nb = json.loads(Path(p).read_text())
        changed = False
        for c in nb['cells']:
            if c['cell_type'] != 'code': continue
            src = ''.join(c['source'])
            new = src if check else split_source(src)
            if new != src:
                c['source'] = new.splitlines(keepends=True)
                changed = True
            if (n := chains(new)):
                left += n
                print(f"{p}: cell {c.get('id', '?')} keeps {n} `;` chain(s)")
        if changed: Path(p).write_text(json.dumps(nb, indent=1, ensure_ascii=False) + '\n')
    return 1 if check and left else 0

if __name__ == '__main__':
    args = sys.argv[1:]
    sys.exit(main([a for a in args if a != '--check'], '--check' in args))
