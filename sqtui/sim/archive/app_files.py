"""The texts of an application's own files: manifest, dependencies, settings, headers.

Each takes a revision number: revision 0 is the file as deployed, each later one is the
file after one more edit (a dependency bumped, a setting changed), so two versions of a
file differ by a line or two, as a real edit would.
"""

from __future__ import annotations

import functools

LANGUAGES: dict[str, tuple[str, str, str]] = {
    "python": (".py", "requirements.txt", "main.py"),
    "javascript": (".js", "package.json", "index.js"),
    "typescript": (".ts", "package.json", "index.ts"),
    "go": (".go", "go.mod", "main.go"),
    "rust": (".rs", "Cargo.toml", "main.rs"),
    "java": (".java", "pom.xml", "Main.java"),
    "elixir": (".ex", "mix.exs", "application.ex"),
    "php": (".php", "composer.json", "index.php"),
}
"""Language -> (source extension, dependency list, main file)."""

DIRS = (
    "api", "commands", "core", "db", "events", "handlers", "jobs", "lib",
    "middleware", "models", "routes", "schemas", "services", "tasks", "utils", "workers",
)  # fmt: skip

_HEADS: dict[str, tuple[str, str]] = {
    "python": ('"""{W1} {w2}: {d} module."""\n\nfrom __future__ import annotations\n\n', ""),
    "javascript": ("'use strict';\n// {d}/{w1}_{w2}\n\n", ""),
    "typescript": ("// {d}/{w1}_{w2}\nimport type {{ Request, Response }} from 'express';\n\n", ""),
    "go": ('package {d}\n\nimport (\n\t"context"\n\t"fmt"\n)\n\n', ""),
    "rust": ("//! {W1} {w2}.\n\nuse serde::{{Deserialize, Serialize}};\n\n", ""),
    "java": ("package com.acme.{d};\n\npublic class {W1}{W2} {{\n\n", "}\n"),
    "elixir": ("defmodule Acme.{D}.{W1}{W2} do\n  require Logger\n\n", "end\n"),
    "php": ("<?php\n\nnamespace App\\{D};\n\nclass {W1}{W2}\n{{\n", "}\n"),
}
_EDITS: dict[str, str] = {
    "python": "{N}_REVISION = {v}\n\n",
    "javascript": "export const {N}_REVISION = {v};\n\n",
    "typescript": "export const {N}_REVISION: number = {v};\n\n",
    "go": "const {n}Revision = {v}\n\n",
    "rust": "pub const {N}_REVISION: u32 = {v};\n\n",
    "java": "    static final int {N}_REVISION = {v};\n\n",
    "elixir": "  @{n}_revision {v}\n\n",
    "php": "    public const {N}_REVISION = {v};\n\n",
}


def source_frame(language: str, directory: str, first: str, second: str) -> tuple[bytes, bytes]:
    """The head and tail wrapped around a source file's lines."""
    head, tail = _HEADS.get(language, _HEADS["python"])
    values = {
        "d": directory,
        "D": directory.capitalize(),
        "w1": first,
        "w2": second,
        "W1": first.capitalize(),
        "W2": second.capitalize(),
    }
    return head.format(**values).encode(), tail.encode()


@functools.cache
def frame_lengths(language: str) -> tuple[int, int, int, int]:
    """``source_frame``'s bytes as ``(fixed, per directory letter, per letter of the first
    word, per letter of the second)``: the templates are linear in those lengths."""

    def total(directory: str, first: str, second: str) -> int:
        return sum(map(len, source_frame(language, directory, first, second)))

    one = total("a", "a", "a")
    per_directory = total("aa", "a", "a") - one
    per_first = total("a", "aa", "a") - one
    per_second = total("a", "a", "aa") - one
    return one - per_directory - per_first - per_second, per_directory, per_first, per_second


def edit_line(language: str, word: str, revision: int) -> bytes:
    """The line an edit changes in a source file, at ``revision``."""
    template = _EDITS.get(language, _EDITS["python"])
    return template.format(N=word.upper(), n=word, v=100 + revision).encode()


def manifest(name: str, description: str, main: str, ram: int, revision: int) -> bytes:
    """``squarecloud.app``: each revision raises the memory and flips the runtime version."""
    lines = [
        f"DISPLAY_NAME={name}",
        f"DESCRIPTION={description}",
        f"MAIN={main}",
        f"MEMORY={ram + 256 * revision}",
        f"VERSION={'recommended' if revision % 2 == 0 else 'latest'}",
        "AUTORESTART=true",
    ]
    return ("\n".join(lines) + "\n").encode("utf-8", "replace")


def dependencies(language: str, name: str, revision: int) -> bytes:
    """The dependency list; each revision bumps one dependency."""
    minor = 10 + revision
    if language == "python":
        text = (
            f"fastapi==0.{110 + revision}.0\nuvicorn[standard]==0.29.0\nhttpx==0.27.0\n"
            f"sqlalchemy==2.0.{minor}\nredis==5.0.4\npydantic==2.7.1\n"
        )
    elif language in ("javascript", "typescript"):
        text = (
            f'{{\n  "name": "{name}",\n  "version": "1.{revision}.0",\n  "private": true,\n'
            f'  "main": "src/index.js",\n  "dependencies": {{\n'
            f'    "discord.js": "^14.{minor}.0",\n    "express": "^4.19.2",\n'
            f'    "ioredis": "^5.4.1",\n    "pg": "^8.11.5"\n  }}\n}}\n'
        )
    elif language == "go":
        text = (
            f"module github.com/acme/{name}\n\ngo 1.22\n\nrequire (\n"
            f"\tgithub.com/go-chi/chi/v5 v5.0.{minor}\n\tgithub.com/jackc/pgx/v5 v5.5.5\n)\n"
        )
    elif language == "rust":
        text = (
            f'[package]\nname = "{name}"\nversion = "0.{revision}.0"\nedition = "2021"\n\n'
            f'[dependencies]\naxum = "0.7"\ntokio = {{ version = "1.{30 + revision}", '
            'features = ["full"] }\nsqlx = { version = "0.7", features = ["postgres"] }\n'
        )
    elif language == "java":
        text = (
            "<project>\n  <modelVersion>4.0.0</modelVersion>\n  <groupId>com.acme</groupId>\n"
            f"  <artifactId>{name}</artifactId>\n  <version>1.{revision}.0</version>\n"
            "  <dependencies>\n    <dependency>\n"
            "      <groupId>org.springframework.boot</groupId>\n"
            "      <artifactId>spring-boot-starter-web</artifactId>\n"
            f"      <version>3.2.{minor}</version>\n    </dependency>\n  </dependencies>\n"
            "</project>\n"
        )
    elif language == "elixir":
        text = (
            "defmodule Acme.MixProject do\n  use Mix.Project\n\n  def project do\n"
            f'    [app: :acme, version: "1.{revision}.0", deps: deps()]\n  end\n\n'
            f'  defp deps do\n    [{{:phoenix, "~> 1.7.{minor}"}}, {{:ecto_sql, "~> 3.11"}}]\n'
            "  end\nend\n"
        )
    else:
        text = (
            f'{{\n  "name": "acme/{name}",\n  "require": {{\n'
            f'    "laravel/framework": "^11.{minor}",\n    "guzzlehttp/guzzle": "^7.8"\n  }}\n}}\n'
        )
    return text.encode("utf-8", "replace")


def settings(name: str, revision: int) -> bytes:
    """``config/settings.yaml``: each revision tunes the pool and turns on a feature."""
    return (
        f"# settings of {name}\nserver:\n  port: 8080\n  workers: {2 + revision}\n"
        f"database:\n  pool_size: {10 + 5 * revision}\n  timeout_seconds: 30\n"
        f"features:\n  new_checkout: {str(revision > 0).lower()}\n"
        f"  audit_log: {str(revision > 1).lower()}\n"
    ).encode("utf-8", "replace")


def readme(name: str, description: str, language: str) -> bytes:
    """``README.md``."""
    return (
        f"# {name}\n\n{description}\n\nA {language} application deployed on Square Cloud.\n\n"
        "## Running locally\n\nCopy `config/settings.yaml`, then start the main file.\n"
    ).encode("utf-8", "replace")


GITIGNORE = b"node_modules/\n__pycache__/\n*.pyc\ntarget/\n_build/\n.env\nlogs/\nuploads/tmp/\n"
