"""Generator cases for PDFs whose text has no ToUnicode map (issue 10 item 4).

r01/r02 are drawn with reportlab in the non-embedded Adobe CJK font STSong-Light
(reportlab's UnicodeCIDFont: Type0, UniGB-UCS2-H, no ToUnicode, no font program).
r03 is the same drawing rewritten (pikepdf) to Identity-H, so every string is a run of
Adobe-GB1 CIDs that only the Adobe-GB1 CID → Unicode table decodes.

Registered in docs.py (SPECS += specs(D, ...)); rendered by gen-corpus through `render`.
"""

import io
import os

from .labels import SECTION_TITLES
from .layout import active_table, appeals_table, requests_table, to_grid
from . import narrative

PAGE_W, PAGE_H = 595.0, 842.0
MARGIN = 56.0
FONT = "STSong-Light"


def _widths(ncols, kind):
    total = PAGE_W - 2 * MARGIN
    if kind == "requests":
        label = [40.0, 60.0, 100.0]
        rest = (total - sum(label)) / (ncols - 3)
        return label + [rest] * (ncols - 3)
    if kind == "active":
        return [130.0] + [(total - 130.0) / (ncols - 1)] * (ncols - 1)
    return [total / ncols] * ncols


def _wrap(text, width, size):
    """Greedy wrap by glyph width (CJK full width, ASCII half)."""
    lines, cur, w = [], "", 0.0
    for ch in text:
        cw = size * (0.5 if ord(ch) < 128 else 1.0)
        if cur and w + cw > width:
            lines.append(cur)
            cur, w = "", 0.0
        cur += ch
        w += cw
    if cur or not lines:
        lines.append(cur)
    return lines


class _Pen:
    def __init__(self, canvas):
        self.c = canvas
        self.y = PAGE_H - MARGIN

    def need(self, h):
        if self.y - h < MARGIN:
            self.c.showPage()
            self.y = PAGE_H - MARGIN

    def text(self, s, size, indent=0.0, center=False):
        for line in _wrap(s, PAGE_W - 2 * MARGIN - indent, size):
            self.need(size * 1.6)
            self.y -= size * 1.5
            self.c.setFont(FONT, size)
            if center:
                self.c.drawCentredString(PAGE_W / 2, self.y, line)
            else:
                self.c.drawString(MARGIN + indent, self.y, line)
            indent = 0.0

    def table(self, rows, kind):
        g = to_grid(rows)
        ncols = len(g[0])
        ws = _widths(ncols, kind)
        xs = [MARGIN]
        for w in ws:
            xs.append(xs[-1] + w)
        fs = 6.5
        # Row heights from the single-row cells' wrapped text; spanning cells get the sum.
        hs = []
        for line in g:
            n = 1
            for ci, (cell, anchor) in enumerate(line):
                if cell is not None and anchor and cell.rs == 1:
                    n = max(n, len(_wrap(cell.text, xs[ci + cell.cs] - xs[ci] - 4, fs)))
            hs.append(n * (fs + 2) + 5)
        self.need(sum(hs) + 6)
        self.y -= 4
        ys = [self.y]
        for h in hs:
            ys.append(ys[-1] - h)
        c = self.c
        c.setLineWidth(0.5)
        for ri, line in enumerate(g):
            for ci, (cell, anchor) in enumerate(line):
                if cell is None:
                    c.rect(xs[ci], ys[ri + 1], xs[ci + 1] - xs[ci], ys[ri] - ys[ri + 1])
                    continue
                if not anchor:
                    continue
                x0, x1 = xs[ci], xs[ci + cell.cs]
                top, bot = ys[ri], ys[ri + cell.rs]
                c.rect(x0, bot, x1 - x0, top - bot)
                lines = _wrap(cell.text, x1 - x0 - 4, fs) if cell.text else []
                c.setFont(FONT, fs)
                mid = (top + bot) / 2 + len(lines) * (fs + 2) / 2
                for k, t in enumerate(lines):
                    c.drawCentredString((x0 + x1) / 2, mid - (k + 1) * (fs + 2) + 1.5, t)
        self.y = ys[-1] - 6


def render(rep, L, secs, col_order, path, identity=False):
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont
    from reportlab.pdfgen import canvas

    pdfmetrics.registerFont(UnicodeCIDFont(FONT))
    buf = io.BytesIO()
    c = canvas.Canvas(buf, pagesize=(PAGE_W, PAGE_H), invariant=1, pageCompression=1)
    c.setTitle(narrative.title(rep, 0))
    pen = _Pen(c)
    pen.text(narrative.title(rep, 0), 14, center=True)
    for num in ("一", "二", "三", "四", "五", "六"):
        if num in rep.dropped_sections:
            continue
        pen.text(SECTION_TITLES[num], 10.5)
        for p in secs[num]:
            pen.text(p, 9, indent=18)
        tb = {"二": "active", "三": "requests", "四": "appeals"}.get(num)
        if tb and tb not in rep.dropped_tables:
            rows = {"active": lambda: active_table(rep, L),
                    "requests": lambda: requests_table(rep, L, col_order),
                    "appeals": lambda: appeals_table(rep, L)}[tb]()
            pen.table(rows, tb)
    c.showPage()
    c.save()
    data = buf.getvalue()
    if identity:
        data = to_identity_gb1(data)
    with open(path, "wb") as f:
        f.write(data)


def _gb1_inverse():
    here = os.path.dirname(os.path.realpath(__file__))
    table = os.path.join(here, "..", "..", "crates", "gouji-pdf", "data", "adobe-gb1-ucs2.bin")
    raw = open(table, "rb").read()
    inv = {}
    for cid in range(len(raw) // 2):
        u = int.from_bytes(raw[2 * cid:2 * cid + 2], "big")
        # Prefer the lowest CID (the proportional/half-width forms come later in GB1).
        if u and u not in inv:
            inv[u] = cid
    return inv


def to_identity_gb1(data):
    """Rewrites every UniGB-UCS2-H string into Identity-H Adobe-GB1 CIDs (pikepdf)."""
    import pikepdf

    inv = _gb1_inverse()

    def conv(s):
        b = bytes(s)
        out = bytearray()
        for i in range(0, len(b) - 1, 2):
            cid = inv.get(int.from_bytes(b[i:i + 2], "big"), 0)
            out += cid.to_bytes(2, "big")
        return pikepdf.String(bytes(out))

    pdf = pikepdf.open(io.BytesIO(data))
    for page in pdf.pages:
        ops = []
        for operands, op in pikepdf.parse_content_stream(page):
            name = str(op)
            if name == "Tj":
                operands = [conv(operands[0])]
            elif name == "TJ":
                operands = [pikepdf.Array([conv(x) if isinstance(x, pikepdf.String) else x
                                           for x in operands[0]])]
            ops.append((operands, op))
        page.Contents = pdf.make_stream(pikepdf.unparse_content_stream(ops))
        for _, font in page.Resources.get("/Font", {}).items():
            if font.get("/Encoding") == pikepdf.Name("/UniGB-UCS2-H"):
                font.Encoding = pikepdf.Name("/Identity-H")
    out = io.BytesIO()
    pdf.save(out, deterministic_id=True, compress_streams=True)
    return out.getvalue()


def specs(D, m_bal, m_res):
    """The cases, as docs.py spec dicts with a `render` hook."""
    cases = [
        D("r01-stsong-clean", "pdf", "澄江县人民政府办公室", 2024, labels="official",
          planted="reportlab PDF in STSong-Light (UniGB-UCS2-H, not embedded, no ToUnicode); clean"),
        D("r02-stsong-t3-bal", "pdf", "汐川市生态环境局", 2023, labels="official", fires={"T3-BAL"},
          mutate=m_bal, planted="reportlab STSong-Light PDF; 新收 自然人 and 总计 +3 -> T3-BAL ×2"),
        D("r03-gb1-cid-t3-res", "pdf", "岚溪区人民政府", 2022, labels="official", fires={"T3-RES"},
          mutate=m_res, planted="STSong-Light rewritten to Identity-H: strings are raw Adobe-GB1 CIDs, "
                                "no ToUnicode; （一）予以公开 自然人 and 总计 +2 -> T3-RES ×2"),
        D("r04-gb1-cid-clean", "pdf", "澄川县交通运输局", 2024, labels="official",
          planted="STSong-Light rewritten to Identity-H (Adobe-GB1 CIDs, no ToUnicode); clean"),
    ]
    for spec in cases:
        ident = spec["name"].startswith(("r03", "r04"))
        spec["render"] = (lambda ident: lambda rep, L, secs, order, path:
                          render(rep, L, secs, order, path, identity=ident))(ident)
    return cases


# --- Scanned (image-only) PDFs, issue 10 item 3 -------------------------------------------
# The reportlab drawing above, rasterised by poppler's pdftoppm and packed back into an
# image-only PDF by img2pdf (pip): what a 图片版 report is. s03 is degraded the way a
# flatbed scan is (ImageMagick: 1° rotation, Gaussian noise) and stored as JPEG
# (DCTDecode); s01/s02 are lossless (FlateDecode, RGB and gray).

def render_scan(rep, L, secs, order, path, dpi=150, gray=False, degrade=False):
    import glob
    import shutil
    import subprocess
    import tempfile

    import img2pdf

    tmp = tempfile.mkdtemp(prefix="gouji-scan-")
    try:
        src = os.path.join(tmp, "src.pdf")
        render(rep, L, secs, order, src)
        args = ["pdftoppm", "-r", str(dpi), "-png"] + (["-gray"] if gray else []) + [src, os.path.join(tmp, "pg")]
        subprocess.run(args, check=True)
        pages = sorted(glob.glob(os.path.join(tmp, "pg*.png")))
        if degrade:
            out = []
            for i, p in enumerate(pages):
                q = os.path.join(tmp, "d%03d.jpg" % i)
                subprocess.run(["convert", p, "-colorspace", "Gray", "-background", "white", "-rotate", "1",
                                "-seed", str(7 + i), "-attenuate", "0.3", "+noise", "Gaussian",
                                "-quality", "85", q], check=True)
                out.append(q)
            pages = out
        layout = img2pdf.get_fixed_dpi_layout_fun((dpi, dpi))
        with open(path, "wb") as f:
            f.write(img2pdf.convert(pages, layout_fun=layout, nodate=True))
    finally:
        shutil.rmtree(tmp)


def scan_specs(D, m_bal):
    cases = [
        (D("s01-scan150-clean", "pdf", "青岚县人民政府办公室", 2024, labels="official",
           planted="image-only PDF: reportlab drawing rasterised at 150 dpi (RGB, FlateDecode); clean"),
         dict(dpi=150)),
        (D("s02-scan200gray-t3-bal", "pdf", "汀湖市自然资源局", 2023, labels="official", fires={"T3-BAL"},
           mutate=m_bal, planted="image-only PDF at 200 dpi gray; 新收 自然人 and 总计 +3 -> T3-BAL ×2"),
         dict(dpi=200, gray=True)),
        (D("s03-scan-degraded-clean", "pdf", "枫浦区人民政府", 2022, labels="official",
           planted="image-only PDF at 150 dpi, rotated 1° with Gaussian noise, JPEG; clean"),
         dict(dpi=150, gray=True, degrade=True)),
    ]
    out = []
    for spec, kw in cases:
        spec["render"] = (lambda kw: lambda rep, L, secs, order, path:
                          render_scan(rep, L, secs, order, path, **kw))(kw)
        out.append(spec)
    return out
