"""Builds leaktui's compiled kernels (Cython, typed memoryviews) with the machine's C compiler.

Every ``.pyx`` file below ``leaktui/`` becomes an extension module of the same dotted name; the
project metadata lives in ``pyproject.toml``. Wheels built here install with no compiler.
"""

from __future__ import annotations

from pathlib import Path

from Cython.Build import cythonize
from setuptools import Extension, setup

HERE = Path(__file__).parent


def _extensions() -> list[Extension]:
    modules = []
    for pyx in sorted((HERE / "leaktui").rglob("*.pyx")):
        rel = pyx.relative_to(HERE).with_suffix("")
        modules.append(
            Extension(
                ".".join(rel.parts),
                [str(pyx.relative_to(HERE))],
                extra_compile_args=["-O3", "-g0"],  # no debug info: half the build time
                define_macros=[("NPY_NO_DEPRECATED_API", "NPY_1_7_API_VERSION")],
            )
        )
    return cythonize(
        modules,
        language_level=3,
        compiler_directives={
            "boundscheck": False,
            "wraparound": False,
            "cdivision": True,
            "initializedcheck": False,
            "embedsignature": True,
        },
    )


setup(ext_modules=_extensions())
