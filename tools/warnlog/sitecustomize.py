"""Record every warning Python *shows* in this process into the file named by $DVD360_WARNLOG (tools/test.sh sets it for
nbdev_test's processes), so the test command fails on warnings as JupyterLab's Run All would show them to a reader.
The variable is removed from the environment at once: processes that the notebooks start are not logged."""
import os
_log = os.environ.pop('DVD360_WARNLOG', None)
if _log:
    import warnings
    _show = warnings.showwarning
    def _logged(message, category, filename, lineno, file=None, line=None):
        with open(_log, 'a') as fh: fh.write(f"{os.getpid()} {filename}:{lineno}: {category.__name__}: {message}\n")
        _show(message, category, filename, lineno, file, line)
    warnings.showwarning = _logged
