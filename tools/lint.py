"""The house rules of dvd360's package, checked (tools/test.sh runs this):

- pyflakes finds nothing (no unused import or variable, no undefined name) in the exported modules;
- no function or method is longer than `--max-function` lines (signature and docstring included);
- the package's module-level imports form no cycle, and no module imports `cli`;
- CONTRIBUTING.md's layout table names every notebook;
- every `#| export` cell defines at most one public function or class (`python tools/split_cells.py` splits them);
- no code cell chains statements with `;` (`python tools/split_semicolons.py` splits them; a trailing `;` that
  hides a cell's output is fine);
- lines over 120 characters stay under `--max-long` per 1000 lines of the package (a ratchet: lower it as lines are
  wrapped; `python tools/wrap_lines.py nbs/*.ipynb` wraps code lines without changing their syntax tree).

    python tools/lint.py [--max-function 80] [--max-long 25]
"""
import argparse, ast, subprocess, sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

def modules()->list[Path]: return sorted(p for p in (ROOT/'dvd360').glob('*.py') if p.name != '_modidx.py')

def functions(path:Path)->list[tuple[str, int]]:
    "('module:line name', length in lines) of every function and method of a module."
    return [(f"{path.name}:{n.lineno} {n.name}", n.end_lineno - n.lineno + 1) for n in ast.walk(ast.parse(path.read_text()))
            if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef))]

def imports(path:Path)->set[str]:
    "The dvd360 modules a module imports at module level (imports inside functions are lazy and not counted)."
    out = set()
    for n in ast.parse(path.read_text()).body:
        if isinstance(n, ast.ImportFrom):
            name = ('dvd360.' if n.level else '') + (n.module or '')
            if name.startswith('dvd360.'): out.add(name.split('.')[1])
            elif name == 'dvd360' or (n.level and not n.module): out |= {a.name for a in n.names}
        elif isinstance(n, ast.Import):
            out |= {a.name.split('.')[1] for a in n.names if a.name.startswith('dvd360.')}
    return out

def import_problems()->list[str]:
    "A cycle in the module-level import graph, or an import of `cli`."
    graph = {p.stem: imports(p) & {q.stem for q in modules()} for p in modules()}
    problems = [f"{m} imports cli" for m, deps in graph.items() if 'cli' in deps]
    state = {}
    def visit(m, path):
        state[m] = 'open'
        for d in sorted(graph[m]):
            if state.get(d) == 'open': problems.append('import cycle: ' + ' → '.join(path[path.index(d):] + [d]))
            elif d not in state: visit(d, path + [d])
        state[m] = 'done'
    for m in sorted(graph):
        if m not in state: visit(m, [m])
    return problems

def layout_problems()->list[str]:
    "Notebooks that CONTRIBUTING.md's package layout table does not name."
    text = (ROOT/'CONTRIBUTING.md').read_text()
    return [f"CONTRIBUTING.md's layout table lacks {nb.stem}" for nb in sorted((ROOT/'nbs').glob('[0-9]*.ipynb'))
            if f"| {nb.stem} |" not in text]

def cell_problems()->list[str]:
    "Export cells of the notebooks that define several public things."
    import json
    sys.path.insert(0, str(ROOT/'tools'))
    from split_cells import split_source
    out = []
    for nb in sorted((ROOT/'nbs').glob('*.ipynb')):
        for c in json.loads(nb.read_text())['cells']:
            if c['cell_type'] == 'code' and len(split_source(''.join(c['source']))) > 1:
                out.append(f"{nb.name}: an export cell defines several things (python tools/split_cells.py {nb})")
    return out

def chain_problems()->list[str]:
    "Code cells of the notebooks that chain statements with `;` (`python tools/split_semicolons.py` splits them)."
    import json
    sys.path.insert(0, str(ROOT/'tools'))
    from split_semicolons import chains
    out = []
    for nb in sorted((ROOT/'nbs').glob('*.ipynb')):
        n = sum(chains(''.join(c['source'])) for c in json.loads(nb.read_text())['cells'] if c['cell_type'] == 'code')
        if n: out.append(f"{nb.name}: {n} `;` chain(s) (python tools/split_semicolons.py {nb})")
    return out

def main(argv=None)->int:
    ap = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    ap.add_argument('--max-function', type=int, default=80)
    ap.add_argument('--max-long', type=float, default=25., help='lines over 120 characters per 1000 lines')
    a = ap.parse_args(argv)
    problems = []
    flakes = subprocess.run([sys.executable, '-m', 'pyflakes', *map(str, modules())], capture_output=True, text=True)
    if flakes.returncode: problems += ['pyflakes: ' + l for l in (flakes.stdout + flakes.stderr).splitlines() if l.strip()]
    problems += import_problems() + layout_problems() + cell_problems() + chain_problems()
    fns = [f for p in modules() for f in functions(p)]
    problems += [f"function over {a.max_function} lines: {name} ({n} lines)" for name, n in fns if n > a.max_function]
    lines = [l for p in modules() for l in p.read_text().splitlines()]
    per_1000 = 1000*sum(len(l) > 120 for l in lines)/len(lines)
    if per_1000 > a.max_long: problems.append(f"{per_1000:.1f} lines over 120 characters per 1000 (at most {a.max_long})")
    for p in problems: print(p, file=sys.stderr)
    print(f"lint: {len(modules())} modules, {len(lines)} lines, {per_1000:.1f} long lines per 1000, "
          f"longest function {max(n for _, n in fns)} lines"
          + (f"; {len(problems)} problems" if problems else ''))
    return 1 if problems else 0

if __name__ == '__main__': sys.exit(main())
