"""Builds ember._C through the project's CMake for `pip install .` (see pyproject.toml): the
extension and libember.so land next to each other in the package, found through $ORIGIN."""
import glob
import os
import shutil
import subprocess
import sys

from setuptools import Extension, setup
from setuptools.command.build_ext import build_ext

ROOT = os.path.dirname(os.path.abspath(__file__))


class CMakeExtension(Extension):
    def __init__(self, name):
        super().__init__(name, sources=[])


class CMakeBuild(build_ext):
    def build_extension(self, ext):
        build_dir = os.path.join(os.path.abspath(self.build_temp), "cmake")
        package_dir = os.path.dirname(os.path.abspath(self.get_ext_fullpath(ext.name)))
        args = [f"-DPython_EXECUTABLE={sys.executable}", "-DCMAKE_BUILD_TYPE=Release", "-DEMBER_BUILD_TESTS=OFF",
                "-DEMBER_BUILD_BENCH=OFF", "-DEMBER_BUILD_PYTHON=ON", "-DCMAKE_BUILD_WITH_INSTALL_RPATH=ON"]
        try:
            import pybind11

            args.append(f"-Dpybind11_DIR={pybind11.get_cmake_dir()}")
        except ImportError:
            pass  # Debian's pybind11-dev ships the CMake package
        if shutil.which("ninja"):
            args += ["-G", "Ninja"]
        subprocess.run(["cmake", "-S", ROOT, "-B", build_dir] + args, check=True)
        jobs = str(os.cpu_count() or 1)
        subprocess.run(["cmake", "--build", build_dir, "--target", "ember_python", "-j", jobs], check=True)
        os.makedirs(package_dir, exist_ok=True)
        for built in glob.glob(os.path.join(build_dir, "python", "ember", "_C*.so")) + \
                glob.glob(os.path.join(build_dir, "libember.so*")):
            shutil.copy2(built, package_dir)


setup(ext_modules=[CMakeExtension("ember._C")], cmdclass={"build_ext": CMakeBuild})
