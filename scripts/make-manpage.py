#!/usr/bin/env python3
"""Writes a man page (roff, section 1) for quantscope or quantscope-cli from the binary's
own --help, so the page cannot drift from the options the binary accepts.

    make-manpage.py BINARY --name NAME --version 0.1.0 --date 2026-12-07 --out NAME.1

The build runs it after linking each binary (CMakeLists.txt) and gzips the result. It
reads CLI11's help layout: a description, "Usage: ...", then "Positionals:", "Options:"
and "Subcommands:" blocks of two-space-indented entries; every subcommand's --help
becomes a COMMANDS subsection. The few sections --help cannot give (exit status, files,
environment, examples) are the PROSE below. Standard library only.
"""
import argparse
import re
import subprocess
import sys

PROSE = {
    "quantscope-cli": {
        "DESCRIPTION": [
            "quantscope-cli reads weight files (safetensors, sharded safetensors, GGUF, PyTorch, "
            "ONNX, TF.js, .npy, .npz), quantizes their tensors with the given schemes and prints "
            "the error metrics, as a table or, with --json, as one JSON document on standard "
            "output. It is the scriptable face of the QuantScope desktop app, quantscope(1).",
            "A scheme is a compact spec such as absmax:bits=4,gran=block,block=32 or the name of "
            "a real toolchain's preset (see the presets command); the README lists every key."],
        "EXIT STATUS": [
            "0 on success, 2 for bad input or usage (the message on standard error names the "
            "file and what is wrong), 1 for an internal failure. A failed command leaves no "
            "partial output file."],
        "EXAMPLES": [
            ("quantscope-cli demo --out demo.safetensors", "Write the built-in demo model."),
            ("quantscope-cli inspect demo.safetensors", "List its tensors."),
            ("quantscope-cli quantize demo.safetensors --tensor model.layers.0.self_attn.o_proj.weight "
             "--scheme absmax:bits=8 nf4 --json", "Compare two schemes on one tensor as JSON."),
            ("quantscope-cli report demo.safetensors --scheme int8 nf4 --out report",
             "Write report.html, report.md, report.csv and report.json into report/."),
        ],
    },
    "quantscope": {
        "DESCRIPTION": [
            "QuantScope shows what quantization does to neural-network weights. It opens FILE "
            "(safetensors, GGUF, PyTorch, ONNX, TF.js, .npy, .npz; with no FILE a built-in demo "
            "model), and shows a tensor's histogram, the levels of each scheme, the clip range "
            "and the quantization error, updated live as the scheme is edited. Views compare "
            "schemes, rank a whole model's tensors, plan a bit budget and export reports.",
            "With --screenshot it renders until its work is done, writes a PNG and exits; "
            "quantscope-cli(1) does the same analysis without a window."],
        "DISPLAY": [
            "Needs an X display with OpenGL 3. Without one it says so and exits with status 2; "
            "to render anyway, run it under Xvfb: xvfb-run -a quantscope FILE --screenshot out.png."],
        "EXIT STATUS": [
            "0 on success; 2 for bad arguments or no display; 1 when FILE does not open in a "
            "scripted run (--screenshot or --actions), or for an internal failure."],
        "FILES": [
            ("$XDG_CONFIG_HOME/quantscope/ (default ~/.config/quantscope/)",
             "quantscope.ini (theme, window size, recent files) and imgui.ini (panel layout)."),
            ("$XDG_CACHE_HOME/quantscope/ (default ~/.cache/quantscope/)",
             "demo.safetensors, the built-in demo model, written when no FILE is given."),
            ("/usr/share/quantscope/",
             "The window icon, found relative to the binary (<prefix>/share/quantscope)."),
            ("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf",
             "The UI font (Debian package fonts-dejavu-core), looked up in $XDG_DATA_DIRS."),
        ],
        "ENVIRONMENT": [
            ("QS_CONFIG_DIR", "Keep settings in this directory instead (scripted runs, which "
             "otherwise neither read nor write settings, use it when set)."),
        ],
    },
}


def run_help(binary, args):
    p = subprocess.run([binary, *args, "--help"], capture_output=True, text=True, timeout=60)
    if p.returncode != 0:
        sys.exit(f"make-manpage: {binary} {' '.join(args)} --help exited {p.returncode}: {p.stderr}")
    return p.stdout


def parse_help(text):
    """{'description': str, 'usage': str, 'blocks': [(title, [(term, desc)])]}."""
    description, usage, blocks = [], "", []
    entries = None
    for line in text.splitlines():
        if not line.strip():
            continue
        if line.startswith("Usage:"):
            usage = line[len("Usage:"):].strip()
        elif not line.startswith(" ") and line.endswith(":") and usage:
            entries = []
            blocks.append((line[:-1], entries))
        elif entries is None:
            description.append(line.strip())
        elif re.match(r"^  \S", line):
            # "  TERM   description": CLI11 pads the term to a column; a long term has its
            # description on the next line.
            term, _, desc = line.strip().partition("  ")
            entries.append([term.strip(), desc.strip()])
        elif entries:
            entries[-1][1] = (entries[-1][1] + " " + line.strip()).strip()
    return {"description": " ".join(description), "usage": usage, "blocks": blocks}


def roff(text):
    """Plain text to roff: backslashes, hyphens (so options copy as typed), and
    non-ASCII characters (σ, ×, α) as \\[uXXXX] glyphs."""
    out = []
    for ch in text:
        if ch == "\\":
            out.append("\\e")
        elif ch == "-":
            out.append("\\-")
        elif ord(ch) > 127:
            out.append("\\[u%04X]" % ord(ch))
        else:
            out.append(ch)
    s = "".join(out)
    return "\\&" + s if s[:1] in (".", "'") else s


def term_roff(term):
    """'--scheme TEXT ... REQUIRED' -> bold option names, italic value types."""
    words = term.split(" ")
    parts = []
    for i, w in enumerate(words):
        if i == 0:
            names = w.split(",")
            parts.append(", ".join("\\fB" + roff(n) + "\\fR" for n in names))
        elif re.fullmatch(r"[A-Z][A-Z:]*", w) and w != "REQUIRED":  # TEXT, FLOAT:FLOAT
            parts.append("\\fI" + roff(w) + "\\fR")
        else:
            parts.append(roff(w))
    return " ".join(parts)


def entries_roff(entries):
    lines = []
    for term, desc in entries:
        lines += [".TP", term_roff(term), roff(desc)]
    return lines


def usage_roff(usage, name):
    # CLI11 prints argv[0]; the page names the installed command.
    words = usage.split(" ")
    words[0] = name
    return [".B " + roff(words[0]), roff(" ".join(words[1:]))] if len(words) > 1 else [".B " + roff(name)]


def prose_roff(items):
    lines = []
    for item in items:
        if isinstance(item, tuple):
            lines += [".TP", "\\fB" + roff(item[0]) + "\\fR", roff(item[1])]
        else:
            lines += [".PP", roff(item)]
    return lines


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("binary")
    ap.add_argument("--name", required=True)
    ap.add_argument("--version", required=True)
    ap.add_argument("--date", required=True)
    ap.add_argument("--out", required=True)
    a = ap.parse_args()

    top = parse_help(run_help(a.binary, []))
    summary = top["description"]
    # "quantscope-cli: see what ..." -> "see what ..." for the NAME line.
    if ": " in summary:
        summary = summary.split(": ", 1)[1]
    lines = [
        f'.TH {roff(a.name.upper())} 1 "{a.date}" "QuantScope {roff(a.version)}" "User Commands"',
        ".nh",  # no hyphenation: words such as safetensors are typed as shown
        ".SH NAME",
        f"{roff(a.name)} \\- {roff(summary)}",
        ".SH SYNOPSIS",
        *usage_roff(top["usage"], a.name),
        ".SH DESCRIPTION",
        *prose_roff(PROSE.get(a.name, {}).get("DESCRIPTION", [top["description"]])),
    ]
    subcommands = []
    for title, entries in top["blocks"]:
        if title == "Subcommands":
            subcommands = [t for t, _ in entries]
            lines += [".SH COMMANDS", ".PP", "Each command takes the options shown with it."]
            lines += entries_roff(entries)
        else:
            lines += [".SH " + roff(title.upper())] + entries_roff(entries)
    for sub in subcommands:
        h = parse_help(run_help(a.binary, [sub]))
        words = h["usage"].split(" ")
        lines += [f'.SS "{roff(a.name)} {roff(" ".join(words[1:]))}"', roff(h["description"])]
        for title, entries in h["blocks"]:
            lines += [".PP", roff(title) + ":"] + entries_roff(entries)
    for section, items in PROSE.get(a.name, {}).items():
        if section == "DESCRIPTION":
            continue
        lines += [".SH " + section]
        if section == "EXAMPLES":
            for cmd, what in items:
                lines += [".PP", roff(what), ".RS", ".nf", roff(cmd), ".fi", ".RE"]
        else:
            lines += prose_roff(items)
    others = [n for n in PROSE if n != a.name]
    lines += [".SH SEE ALSO", ", ".join(f"\\fB{roff(n)}\\fR(1)" for n in others),
              ".PP", "The README: /usr/share/doc/quantscope/README.md.gz (the scheme spec syntax, "
              "the views, the report files)."]
    with open(a.out, "w", encoding="ascii") as f:
        f.write("\n".join(lines) + "\n")


if __name__ == "__main__":
    main()
