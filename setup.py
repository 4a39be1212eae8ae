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
            source = Path(__file__).parent / name
            if source.is_dir():  # absent in an sdist without them: nothing to copy
                shutil.copytree(source, Path(self.build_lib) / "flowlights" / "bundled" / name, dirs_exist_ok=True,
                                ignore=shutil.ignore_patterns(".cache", "__pycache__", "*.pyc"))


setup(cmdclass={"build_py": BuildWithBundledData})
