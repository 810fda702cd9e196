"""Writes REPORT.html: REPORT.md as one self-contained HTML page, its SVG charts inline.

The converter handles the Markdown report.py writes (headings, paragraphs, lists, pipe tables,
images, links, bold, code spans and raw anchors), nothing more.
"""
import html
import os
import re


def inline(text, out_dir):
    parts = re.split(r"(`[^`]*`)", text)
    res = []
    for p in parts:
        if p.startswith("`") and p.endswith("`") and len(p) >= 2:
            res.append("<code>%s</code>" % html.escape(p[1:-1]))
            continue
        # keep the raw anchors report.py writes, escape the rest
        chunks = re.split(r'(<a id="[^"]*"></a>)', p)
        esc = []
        for c in chunks:
            if re.fullmatch(r'<a id="[^"]*"></a>', c):
                esc.append(c)
                continue
            c = html.escape(c, quote=False)
            c = re.sub(r"!\[([^\]]*)\]\(([^)]+\.svg)\)", lambda m: svg(m.group(2), out_dir), c)
            c = re.sub(r"\[([^\]]+)\]\(([^)]+)\)", r'<a href="\2">\1</a>', c)
            c = re.sub(r"\*\*([^*]+)\*\*", r"<b>\1</b>", c)
            c = re.sub(r"(?<![\w*])\*([^*\s][^*]*)\*(?![\w*])", r"<i>\1</i>", c)
            esc.append(c)
        res.append("".join(esc))
    return "".join(res)


def svg(name, out_dir):
    path = os.path.join(out_dir, name)
    if not os.path.exists(path):
        return "[missing chart %s]" % html.escape(name)
    with open(path) as f:
        return '<div class="chart">%s</div>' % f.read()


def split_row(line):
    cells = re.split(r"(?<!\\)\|", line.strip()[1:-1])
    return [c.strip().replace("\\|", "|") for c in cells]


def convert(md, out_dir):
    lines = md.split("\n")
    out, i = [], 0
    while i < len(lines):
        line = lines[i]
        if line.startswith("#"):
            level = len(line) - len(line.lstrip("#"))
            out.append("<h%d>%s</h%d>" % (level, inline(line[level:].strip(), out_dir), level))
            i += 1
        elif line.startswith("|"):
            rows = []
            while i < len(lines) and lines[i].startswith("|"):
                rows.append(lines[i])
                i += 1
            out.append("<table>")
            for k, row in enumerate(rows):
                if k == 1 and set(row.replace("|", "").strip()) <= set("-: "):
                    continue
                tag = "th" if k == 0 else "td"
                out.append("<tr>%s</tr>" % "".join(
                    "<%s>%s</%s>" % (tag, inline(c, out_dir), tag) for c in split_row(row)))
            out.append("</table>")
        elif line.startswith("- "):
            out.append("<ul>")
            while i < len(lines) and lines[i].startswith("- "):
                out.append("<li>%s</li>" % inline(lines[i][2:], out_dir))
                i += 1
            out.append("</ul>")
        elif not line.strip():
            i += 1
        else:
            para = []
            while (i < len(lines) and lines[i].strip() and not lines[i].startswith(("#", "|", "- "))):
                para.append(lines[i])
                i += 1
            out.append("<p>%s</p>" % inline(" ".join(para), out_dir))
    return out


STYLE = """body{font-family:sans-serif;max-width:1200px;margin:2em auto;padding:0 1em;line-height:1.4}
table{border-collapse:collapse;margin:1em 0;font-size:90%}td,th{border:1px solid #ccc;padding:3px 6px;
vertical-align:top}th{background:#eee}code{background:#f4f4f4;padding:0 2px}.chart{overflow-x:auto}"""


def write(out_dir):
    with open(os.path.join(out_dir, "REPORT.md")) as f:
        md = f.read()
    body = "\n".join(convert(md, out_dir))
    with open(os.path.join(out_dir, "REPORT.html"), "w") as f:
        f.write('<!DOCTYPE html>\n<html><head><meta charset="utf-8"><title>gort: the article '
                'experiments, rerun</title><style>%s</style></head><body>\n%s\n</body></html>\n'
                % (STYLE, body))
