"""The house rules of dvd360's package, checked (tools/test.sh runs this):

- pyflakes finds nothing (no unused import or variable, no undefined name) in the exported modules;
- no function or method is longer than `--max-function` lines (signature and docstring included);
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

def main(argv=None)->int:
    ap = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    ap.add_argument('--max-function', type=int, default=80)
    ap.add_argument('--max-long', type=float, default=25., help='lines over 120 characters per 1000 lines')
    a = ap.parse_args(argv)
    problems = []
    flakes = subprocess.run([sys.executable, '-m', 'pyflakes', *map(str, modules())], capture_output=True, text=True)
    if flakes.returncode: problems += ['pyflakes: ' + l for l in (flakes.stdout + flakes.stderr).splitlines() if l.strip()]
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
