__version__ = "0.1.0"
"dvd360: 360° panorama video generation (360DVD) as literate nbdev notebooks. Submodules load on first use."

import importlib as _importlib, logging as _logging

class _TorchvisionNotice(_logging.Filter):
    "Drop transformers' notice that an image processor falls back to its PIL version (dvd360 uses those; torchvision is optional)."
    def filter(self, record): return 'requires torchvision (not installed); falling back to' not in str(record.msg)

# before transformers is imported, so `python -m dvd360.training` (torchrun, one per rank) is as quiet as `dvd360 train`
_logging.getLogger('transformers.utils.import_utils').addFilter(_TorchvisionNotice())

_SUBMODULES = ('utils', 'geometry', 'projection', 'scene', 'flow', 'data', 'textfusion', 'adapter', 'unet', 'export',
               'boxes', 'player', 'pipeline', 'loading', 'training', 'metrics', 'world', 'cli', 'wan', 'testing')

def __getattr__(name):
    "Import submodules lazily, so `import dvd360; dvd360.geometry` works without importing torch up front."
    if name in _SUBMODULES: return _importlib.import_module(f'{__name__}.{name}')
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")

def __dir__(): return sorted(list(globals()) + list(_SUBMODULES))
