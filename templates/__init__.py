"""The default theme: these Jinja2 templates and assets/, installed with gongbao as the package gongbao.theme."""
