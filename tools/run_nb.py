"""Execute notebooks in place so the docs show their figures, as `jupyter nbconvert --execute --inplace` would,
but skipping `#| eval: false` cells and the `nbdev_export()` cell, then drop ipywidgets state and widget outputs (they break the
docs pipeline / cannot render statically) and clean with `nbdev_clean`.

    python tools/run_nb.py nbs/00_geometry.ipynb [more notebooks...]
"""
import re, subprocess, sys
from pathlib import Path
import nbformat
from nbconvert.preprocessors import ExecutePreprocessor

class SkipEP(ExecutePreprocessor):
    "Run every code cell except `#| eval: false` ones and the `nbdev_export()` cell."
    def preprocess_cell(self, cell, resources, index):
        if cell.cell_type == 'code' and (re.search(r'^#\|\s*eval:\s*false', cell.source, re.M) or 'nbdev_export(' in cell.source):
            cell.outputs = []; return cell, resources
        return super().preprocess_cell(cell, resources, index)

def run(fn:Path):
    nb = nbformat.read(fn, as_version=4)
    SkipEP(timeout=900, kernel_name='python3').preprocess(nb, {'metadata': {'path': str(fn.parent)}})
    nb.metadata.pop('widgets', None)
    for c in nb.cells:      # progress-bar widgets cannot render in static docs (their text fallback shows 0%)
        if c.cell_type == 'code':
            c.outputs = [o for o in c.outputs if 'application/vnd.jupyter.widget-view+json' not in o.get('data', {})]
    nbformat.write(nb, fn)
    subprocess.run(['nbdev_clean', '--fname', str(fn)], check=True)
    print(f"{fn}: {fn.stat().st_size/1024:.0f} KB")

if __name__ == '__main__':
    for f in sys.argv[1:]: run(Path(f).absolute())
