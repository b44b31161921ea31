"""Split `#| export` cells that define several public things into one cell per definition (house style).

Statements between definitions go with the definition that follows them (constants it uses, private helpers);
a statement that only configures the definition before it (`name.attr = ...`) stays with that one; whatever
follows the last definition stays with it. Comment lines directly above a definition move with it. The exported
module is the same code in the same order (only nbdev's `# %%` markers change): check with `--check`.

    python tools/split_cells.py nbs/*.ipynb        # rewrite the notebooks
"""
import ast, json, sys, uuid
from pathlib import Path

def _public_def(n)->bool:
    return isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)) and not n.name.startswith('_')

def _configures(n, name)->bool:
    "Whether statement n sets an attribute of `name` (e.g. `world_train.passthrough = True`)."
    return (isinstance(n, ast.Assign) and len(n.targets) == 1 and isinstance(n.targets[0], ast.Attribute)
            and isinstance(n.targets[0].value, ast.Name) and n.targets[0].value.id == name)

def split_source(src:str)->list[str]:
    "The parts of an export cell's source, each starting with `#| export` (one part if nothing to split)."
    head, _, body = src.partition('\n')
    if head.strip() != '#| export': return [src]
    try: nodes = ast.parse(body).body
    except SyntaxError: return [src]
    if sum(map(_public_def, nodes)) < 2: return [src]
    groups, cur, last_def = [], [], None
    for n in nodes:
        if last_def is not None and _configures(n, last_def): groups[-1].append(n); continue
        cur.append(n)
        if _public_def(n): groups.append(cur); cur, last_def = [], n.name
    if cur: groups[-1].extend(cur)
    lines = body.split('\n')
    starts = []
    for g in groups[1:]:
        n = g[0]; s = min([n.lineno] + [d.lineno for d in getattr(n, 'decorator_list', [])]) - 1
        while s > 0 and lines[s - 1].lstrip().startswith('#'): s -= 1
        starts.append(s)
    bounds = [0] + starts + [len(lines)]
    parts = ['\n'.join(lines[a:b]).strip('\n') for a, b in zip(bounds, bounds[1:])]
    return ['#| export\n' + p for p in parts if p.strip()]

def _set(cell, s):
    ls = s.split('\n'); cell['source'] = [l + '\n' for l in ls[:-1]] + [ls[-1]]

def split_notebook(path:Path)->int:
    nb = json.loads(path.read_text()); out, n = [], 0
    for c in nb['cells']:
        parts = split_source(''.join(c['source'])) if c['cell_type'] == 'code' else [None]
        if len(parts) < 2: out.append(c); continue
        n += len(parts) - 1
        for i, p in enumerate(parts):
            new = dict(c, id=c.get('id') if i == 0 else uuid.uuid4().hex[:8], outputs=c.get('outputs', []) if i == len(parts) - 1 else [])
            _set(new, p); out.append(new)
    if n:
        nb['cells'] = out
        path.write_text(json.dumps(nb, indent=1, ensure_ascii=False) + '\n')
    return n

if __name__ == '__main__':
    for p in sys.argv[1:]:
        k = split_notebook(Path(p))
        if k: print(f"{p}: {k} new cells")
