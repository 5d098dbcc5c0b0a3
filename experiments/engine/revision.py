"""Another commit's juwei, importable in a subprocess beside this one: the model before a change
that alters its random numbers is the arm its successor docks against (`juwei dock --against
commit:REV`, issue 24), and the benchmarks time it side by side.

The commit's files come from `git archive` (nothing in the working tree or the repository's
state changes), laid out with the commit's own package mapping ([tool.setuptools.package-dir]
of its pyproject.toml, e.g. juwei = experiments/, juwei.model = model/) as symlinks, so that
`PYTHONPATH=<path>` makes `import juwei` that commit's code. The subprocess uses this
environment's packages.
"""

from __future__ import annotations

import io
import os
import shutil
import subprocess
import tarfile
import tomllib
from pathlib import Path

from .errors import UserError

CHECKOUT = Path(__file__).resolve().parents[2]      # the git checkout juwei runs from, if any


def resolve(rev: str) -> str:
    """The full hash of `rev` in juwei's own git checkout; UserError if there is none or it
    names no commit."""
    if not (CHECKOUT / ".git").exists():
        raise UserError(f"juwei runs from {CHECKOUT}, which is no git checkout: another "
                        "commit's model needs juwei installed from one (git clone, then "
                        "`make setup`)")
    try:
        out = subprocess.run(["git", "-C", str(CHECKOUT), "rev-parse", "--verify", "--quiet",
                              f"{rev}^{{commit}}"], capture_output=True, text=True)
    except OSError:
        raise UserError("docking against a commit needs git, which is not installed") from None
    if out.returncode != 0 or not out.stdout.strip():
        raise UserError(f"{rev!r} names no commit of juwei's git checkout ({CHECKOUT}); give a "
                        "commit hash, tag or branch (`git log --oneline` lists them)")
    return out.stdout.strip()


def importable(commit: str, folder: Path) -> str:
    """A PYTHONPATH under which `import juwei` is `commit`'s code (a full hash, `resolve`),
    made once in `folder`/<commit> and reused; written atomically (a half-made tree is never
    used)."""
    home = folder / commit
    path = home / "path"
    if (path / "juwei").exists():
        return str(path)
    tmp = folder / f".{commit}.{os.getpid()}"
    tree = tmp / "tree"
    tree.mkdir(parents=True, exist_ok=True)
    archive = subprocess.run(["git", "-C", str(CHECKOUT), "archive", "--format=tar", commit],
                             capture_output=True, check=True).stdout
    with tarfile.open(fileobj=io.BytesIO(archive)) as tar:
        tar.extractall(tree, filter="data")
    mapping = tomllib.loads((tree / "pyproject.toml").read_text())["tool"]["setuptools"].get(
        "package-dir", {"juwei": "experiments", "juwei.model": "model",
                        "juwei.scenarios": "scenarios"})
    package = tree / mapping["juwei"]
    for name, where in mapping.items():          # relative links: the tree is moved below
        inside = package.joinpath(*name.split(".")[1:])
        if name != "juwei" and not inside.exists():
            inside.symlink_to(os.path.relpath(tree / where, inside.parent))
    (tmp / "path").mkdir()
    (tmp / "path" / "juwei").symlink_to(os.path.relpath(package, tmp / "path"))
    try:
        tmp.rename(home)
    except OSError:                  # another process made it first: use theirs
        shutil.rmtree(tmp, ignore_errors=True)
    return str(path)
