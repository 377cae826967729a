import os
import subprocess
import sys

from setuptools import Extension, setup
from setuptools.command.build_ext import build_ext


class BuildExt(build_ext):
    def run(self):
        if os.environ.get("FASTEXT_NO_CYTHON"):
            return super().run()
        subprocess.check_call([sys.executable, "-m", "cython", "src/fastext/_speedups.pyx"])
        super().run()


def read(name):
    with open(os.path.join(os.path.dirname(__file__), name)) as f:
        return f.read()


setup(
    name="fastext",
    version="1.2",
    long_description=read("README.md"),
    ext_modules=[Extension("fastext._speedups", ["src/fastext/_speedups.c"])],
    cmdclass={"build_ext": BuildExt},
    package_dir={"": "src"},
)
