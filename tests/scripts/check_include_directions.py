#!/usr/bin/env python3
"""Fails when an #include breaks the dependency directions of ../shared/DESIGN.md "Layout"
(and docs/ARCHITECTURE.md): analysis/ never reaches app/, widgets/ or a GUI library;
widgets/ never reaches analysis/ or app/; inside analysis/ each folder includes only the
folders below it. Usage: check_include_directions.py REPO_ROOT. Prints every violation as
"file:line: folder -> included (not allowed)" and exits 1 if there is one.
"""
import os
import re
import sys

# What each analysis/ folder may include (besides itself). quant and presets form one
# layer: a Scheme names a preset and quantize() dispatches to the preset's rule, while the
# presets use the quantizer's value types and rounding. quant applies a scheme's transform
# (quant/quantize_transformed), so quant -> transforms; transforms stay below quant.
ANALYSIS = {
    "base": set(),
    "numeric": {"base"},
    "formats": {"base", "numeric"},
    "transforms": {"base", "numeric"},
    "quant": {"base", "numeric", "transforms", "presets"},
    "presets": {"base", "numeric", "quant"},
    "explore": {"base", "numeric", "formats", "transforms", "quant", "presets"},
    "model": {"base", "numeric", "formats", "transforms", "quant", "presets", "explore"},
}
GUI_LIBS = re.compile(r"#include\s*<(imgui|GLFW/|GL/|backends/imgui)")
INCLUDE = re.compile(r'#include\s*"([^"]+)"')


def folder_of(rel):
    """('analysis', 'quant'), ('widgets', None), ('app', 'gui'), ... for a repo path."""
    parts = rel.split("/")
    if parts[0] in ("analysis", "app") and len(parts) > 2:
        return parts[0], parts[1]
    return parts[0], None


def check(root):
    bad = []
    for top in ("analysis", "widgets", "app"):
        for dirpath, _, files in os.walk(os.path.join(root, top)):
            for name in files:
                if not name.endswith((".h", ".cpp")):
                    continue
                path = os.path.join(dirpath, name)
                rel = os.path.relpath(path, root)
                area, sub = folder_of(rel)
                if area == "analysis" and sub is None:
                    bad.append(f"{rel}: a file directly in analysis/ (put it in one of {sorted(ANALYSIS)})")
                    continue
                if area == "analysis" and sub not in ANALYSIS:
                    bad.append(f"{rel}: analysis/{sub}/ is not a folder of the layout")
                    continue
                for n, line in enumerate(open(path, encoding="utf-8"), 1):
                    if area == "analysis" and GUI_LIBS.search(line):
                        bad.append(f"{rel}:{n}: analysis/ includes a GUI library: {line.strip()}")
                    m = INCLUDE.search(line)
                    if not m:
                        continue
                    inc = m.group(1)
                    iarea, isub = folder_of(inc)
                    if area == "analysis":
                        if iarea in ("app", "widgets"):
                            bad.append(f"{rel}:{n}: analysis -> {inc} (analysis/ never includes {iarea}/)")
                        elif iarea == "analysis" and isub != sub and isub not in ANALYSIS[sub]:
                            bad.append(f"{rel}:{n}: analysis/{sub} -> {inc} (not allowed)")
                    elif area == "widgets":
                        if iarea in ("analysis", "app"):
                            bad.append(f"{rel}:{n}: widgets -> {inc} (widgets/ draws what it is handed)")
                    elif area == "app" and sub == "cli":
                        if iarea == "widgets" or (iarea == "app" and isub == "gui"):
                            bad.append(f"{rel}:{n}: app/cli -> {inc} (the CLI links no GUI)")
    return bad


def main():
    root = sys.argv[1] if len(sys.argv) > 1 else "."
    bad = check(root)
    for b in bad:
        print(b)
    if bad:
        print(f"{len(bad)} include(s) break the layout's directions (see docs/ARCHITECTURE.md)")
        return 1
    print("include directions: ok")
    return 0


if __name__ == "__main__":
    sys.exit(main())
