"""Packaging that pyproject.toml can't say: the default theme, kept in templates/, ships as gongbao.theme.

pyproject.toml can discover packages or map a folder to a package name, not both; discovery keeps every
new subpackage of gongbao in the wheel without a change here.
"""

from setuptools import find_packages, setup

setup(
    packages=[*find_packages(include=["gongbao", "gongbao.*"]), "gongbao.theme"],
    package_dir={"gongbao.theme": "templates"},
)
