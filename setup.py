"""Build step that makes the wheel carry the repository's bundled scenarios (networks/) and example
experiments (exp_configs/) as package data under flowlights/bundled/ (metadata is in setup.cfg)."""

import shutil
from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py

BUNDLED = ("networks", "exp_configs")


class BuildWithBundledData(build_py):
    def run(self) -> None:
        super().run()
        for name in BUNDLED:
            source, target = Path(__file__).parent / name, Path(self.build_lib) / "flowlights" / "bundled" / name
            if source.is_dir():  # absent in an sdist without them: nothing to copy
                shutil.rmtree(target, ignore_errors=True)  # no stale files from an earlier build
                shutil.copytree(source, target, ignore=shutil.ignore_patterns(".cache", "__pycache__", "*.pyc"))


setup(cmdclass={"build_py": BuildWithBundledData})
