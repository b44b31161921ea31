"""Run All, as a reader does in JupyterLab: execute every code cell of every notebook top to bottom — `#| eval: false`,
`#| slow` and `#| cuda` cells included — on this machine (CPU, no weights, no network), and fail on

- a notebook without a kernelspec (JupyterLab would open it with a "Select Kernel" dialog),
- warning text or a temporary kernel path in the committed outputs (they end up in the docs and README),
- any error output when executed, and any warning text the execution prints,
- tracked files that Run All changed, or files it left behind in the repository.

    python tools/run_all.py                # every notebook in nbs/
    python tools/run_all.py nbs/03_flow.ipynb --workers 1

    python tools/run_all.py --static       # only what needs no kernel: kernelspecs and committed outputs (tools/test.sh,
                                           # whose nbdev_test run executes the same cells under the same rules)

Executed notebooks are not written back. Exit status 0 when every notebook passes.
"""
import argparse, re, subprocess, sys, time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
import nbformat
from nbclient import NotebookClient

ROOT = Path(__file__).resolve().parent.parent
WARNING = re.compile(r"\b\w*Warning\b|/tmp/ipykernel_|\bwarnings\.warn\b")

def output_text(o)->str:
    if o.get('output_type') == 'stream': return o.get('text', '')
    if o.get('output_type') == 'error': return '\n'.join(o.get('traceback', [])) or f"{o.get('ename')}: {o.get('evalue')}"
    return o.get('data', {}).get('text/plain', '') if isinstance(o.get('data', {}).get('text/plain', ''), str) else ''

def warnings_in(nb)->list[str]:
    "Lines of warning text in a notebook's outputs, as 'cell N: text'."
    out = []
    for i, c in enumerate(nb.cells):
        if c.cell_type != 'code': continue
        for o in c.get('outputs', []):
            if o.get('output_type') == 'error': continue
            for line in output_text(o).splitlines():
                if WARNING.search(line): out.append(f"cell {i}: {line.strip()[:200]}")
    return out

def static_problems(nb)->list[str]:
    "What is wrong with a notebook before it runs: no python3 kernelspec, warning text in the committed outputs."
    ks = nb.metadata.get('kernelspec', {})
    problems = [] if ks.get('name') == 'python3' else [f"no python3 kernelspec (metadata.kernelspec = {ks or None})"]
    return problems + [f"committed output has warning text: {w}" for w in warnings_in(nb)]

def check(fn:Path, timeout:int, static:bool=False)->list[str]:
    "Problems of one notebook (empty: it passes); `static`: without executing it."
    nb = nbformat.read(fn, as_version=4)
    problems = static_problems(nb)
    if static: return problems
    t0 = time.time()
    client = NotebookClient(nb, timeout=timeout, kernel_name='python3', allow_errors=True,
                            resources={'metadata': {'path': str(fn.parent)}})
    try: client.execute()
    except Exception as e: problems.append(f"execution stopped: {type(e).__name__}: {str(e)[:500]}")
    for i, c in enumerate(nb.cells):
        for o in c.get('outputs', []) if c.cell_type == 'code' else []:
            if o.get('output_type') == 'error':
                tb = re.sub(r'\x1b\[[0-9;]*m', '', output_text(o))
                problems.append(f"cell {i} raised {o.get('ename')}: {o.get('evalue', '')[:300]}\n" + tb[-1500:])
    problems += [f"Run All printed warning text: {w}" for w in warnings_in(nb)]
    print(f"{'ok' if not problems else 'FAILED'}: {fn.name} ({time.time() - t0:.0f} s)", flush=True)
    return problems

def git_state()->tuple[str, set]:
    diff = subprocess.run(['git', 'diff', '--stat'], cwd=ROOT, capture_output=True, text=True).stdout
    new = subprocess.run(['git', 'ls-files', '--others', '--exclude-standard'], cwd=ROOT, capture_output=True, text=True).stdout
    return diff, set(new.split())

def main(argv=None)->int:
    ap = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    ap.add_argument('notebooks', nargs='*', help='notebooks (default: nbs/*.ipynb)')
    ap.add_argument('--workers', type=int, default=2)
    ap.add_argument('--timeout', type=int, default=1800, help='seconds per cell')
    ap.add_argument('--static', action='store_true', help='check kernelspecs and committed outputs only (no kernel)')
    a = ap.parse_args(argv)
    nbs = [Path(p).resolve() for p in a.notebooks] or sorted((ROOT/'nbs').glob('*.ipynb'))
    if a.static:
        bad = {f.name: p for f in nbs if (p := check(f, a.timeout, static=True))}
        for name, probs in bad.items(): print(f"== {name}\n  " + '\n  '.join(probs), file=sys.stderr)
        print(f"Run All (static): {len(nbs) - len(bad)} of {len(nbs)} notebooks have a kernelspec and clean outputs")
        return 1 if bad else 0
    before = git_state()
    with ThreadPoolExecutor(a.workers) as ex: results = dict(zip(nbs, ex.map(lambda f: check(f, a.timeout), nbs)))
    after = git_state()
    bad = {f.name: p for f, p in results.items() if p}
    if after[0] != before[0]: bad['repository'] = [f"Run All changed tracked files:\n{after[0]}"]
    if after[1] - before[1]: bad.setdefault('repository', []).append(f"Run All left new files: {sorted(after[1] - before[1])}")
    for name, probs in bad.items():
        print(f"\n== {name}", file=sys.stderr)
        for p in probs: print('  ' + p.replace('\n', '\n    '), file=sys.stderr)
    print(f"Run All: {len(nbs) - sum(n != 'repository' for n in bad)} of {len(nbs)} notebooks passed"
          + (" (the repository changed)" if 'repository' in bad else ''))
    return 1 if bad else 0

if __name__ == '__main__': sys.exit(main())
