"""A printable poster per location: an invitation in one language and a QR code to the location's complaint form.

One layout, in millimetres on an A4 page, drawn twice: as SVG and as PDF (A5 is the same poster scaled down).
"""

import io
from dataclasses import dataclass
from pathlib import Path
from xml.sax.saxutils import escape

import segno
from django.utils import translation
from django.utils.translation import gettext as _
from reportlab.lib.pagesizes import A4, A5
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen.canvas import Canvas

from amends.core.models import Location

PAGE_MM = {"a4": (210.0, 297.0), "a5": (148.0, 210.0)}
PAGE_POINTS = {"a4": A4, "a5": A5}
LAYOUT_WIDTH, LAYOUT_HEIGHT = PAGE_MM["a4"]
MARGIN = 18.0
BRAND, BRAND_DARK, INK, MUTED = "#0f766e", "#0b3b38", "#1d2430", "#475467"
SVG_FONTS = "'DejaVu Sans', 'Bitstream Vera Sans', Verdana, sans-serif"

REGULAR, BOLD = "AmendsSans", "AmendsSans-Bold"
# DejaVu (Debian's fonts-dejavu-core) covers most scripts; Vera, which reportlab ships, has the same Latin metrics.
_DEJAVU = Path("/usr/share/fonts/truetype/dejavu")
_REPORTLAB_FONTS = Path(pdfmetrics.__file__).parent.parent / "fonts"
_FONT_FILES = [
    (_DEJAVU / "DejaVuSans.ttf", _DEJAVU / "DejaVuSans-Bold.ttf"),
    (_REPORTLAB_FONTS / "Vera.ttf", _REPORTLAB_FONTS / "VeraBd.ttf"),
]


def _register_fonts() -> None:
    if REGULAR in pdfmetrics.getRegisteredFontNames():
        return
    regular, bold = next((pair for pair in _FONT_FILES if pair[0].exists() and pair[1].exists()), _FONT_FILES[-1])
    pdfmetrics.registerFont(TTFont(REGULAR, str(regular)))
    pdfmetrics.registerFont(TTFont(BOLD, str(bold)))


@dataclass(frozen=True)
class Text:
    x: float  # the centre of the line
    baseline: float  # from the top of the page
    size: float
    bold: bool
    colour: str
    text: str


@dataclass(frozen=True)
class Box:
    x: float
    y: float
    width: float
    height: float
    colour: str


@dataclass(frozen=True)
class QrCode:
    x: float
    y: float
    size: float  # quiet zone included
    matrix: tuple[tuple[int, ...], ...]
    border: int


@dataclass(frozen=True)
class Poster:
    url: str
    title: str
    boxes: list[Box]
    texts: list[Text]
    qr: QrCode


def _wrap(text: str, *, font: str, size: float, width: float) -> list[str]:
    """Break at plain spaces only: a no-break space (French "pas ?") keeps its words together."""
    lines: list[str] = []
    for word in text.split(" "):
        candidate = f"{lines[-1]} {word}" if lines else word
        if lines and pdfmetrics.stringWidth(candidate, font, size) <= width:
            lines[-1] = candidate
        else:
            lines.append(word)
    return lines


def _lines(text: str, *, size: float, bold: bool, width: float, max_lines: int) -> list[str]:
    lines = _wrap(text, font=BOLD if bold else REGULAR, size=size, width=width) or [""]
    if len(lines) > max_lines:
        lines = lines[:max_lines]
        lines[-1] = lines[-1].rstrip(" .") + "…"
    return lines


def _fitting_size(text: str, *, preferred: float, bold: bool, width: float) -> float:
    natural = pdfmetrics.stringWidth(text, BOLD if bold else REGULAR, preferred)
    return preferred if natural <= width else preferred * width / natural


def poster_layout(location: Location, *, url: str, language: str) -> Poster:
    _register_fonts()
    with translation.override(language):
        title, invite = _("Something not right?"), _("Tell us and we will fix it.")
        scan = _("Scan the code with your phone's camera, or go to:")
        no_app = _("No app, no account: it takes a minute.")
    centre, width = LAYOUT_WIDTH / 2, LAYOUT_WIDTH - 2 * MARGIN
    boxes = [Box(0, 0, LAYOUT_WIDTH, 38, BRAND_DARK), Box(0, LAYOUT_HEIGHT - 8, LAYOUT_WIDTH, 8, BRAND)]
    texts: list[Text] = []

    name_lines = _lines(location.name, size=9, bold=True, width=width, max_lines=2)
    baseline = 23.0 if len(name_lines) == 1 else 17.0
    for line in name_lines:
        texts.append(
            Text(centre, baseline, _fitting_size(line, preferred=9, bold=True, width=width), True, "#ffffff", line)
        )
        baseline += 11
    baseline = 62.0
    for line in _lines(title, size=13, bold=True, width=width, max_lines=2):
        texts.append(Text(centre, baseline, 13, True, INK, line))
        baseline += 15
    baseline -= 2
    for line in _lines(invite, size=9, bold=False, width=width, max_lines=2):
        texts.append(Text(centre, baseline, 9, False, BRAND, line))
        baseline += 11

    top = baseline - 6

    # From the bottom up: the footer, the address, the line that explains the code.
    texts.append(Text(centre, LAYOUT_HEIGHT - 14, 4.2, False, MUTED, no_app))
    url_baseline = LAYOUT_HEIGHT - 27
    texts.append(Text(centre, url_baseline, _fitting_size(url, preferred=7, bold=True, width=width), True, INK, url))
    scan_lines = _lines(scan, size=5, bold=False, width=width, max_lines=2)
    baseline = url_baseline - 10 - 7 * (len(scan_lines) - 1)
    bottom = baseline - 7
    for line in scan_lines:
        texts.append(Text(centre, baseline, 5, False, MUTED, line))
        baseline += 7

    # The code takes the room between: as large as fits, at most 150 mm (its quiet zone included).
    qr = segno.make(url, error="m", micro=False)
    size = min(150.0, bottom - top, width)
    matrix = tuple(tuple(row) for row in qr.matrix)
    code = QrCode(centre - size / 2, top + (bottom - top - size) / 2, size, matrix, border=4)
    return Poster(url=url, title=f"{title} {invite}", boxes=boxes, texts=texts, qr=code)


def _qr_runs(code: QrCode) -> list[tuple[int, int, int]]:
    """(row, first column, length) of each horizontal run of dark modules, quiet zone included in the offsets."""
    runs = []
    for row, modules in enumerate(code.matrix):
        column = 0
        while column < len(modules):
            if modules[column]:
                start = column
                while column < len(modules) and modules[column]:
                    column += 1
                runs.append((row + code.border, start + code.border, column - start))
            else:
                column += 1
    return runs


def poster_svg(location: Location, *, url: str, language: str, size: str) -> bytes:
    poster = poster_layout(location, url=url, language=language)
    page_width, page_height = PAGE_MM[size]
    modules = len(poster.qr.matrix) + 2 * poster.qr.border
    scale = poster.qr.size / modules
    path = "".join(f"M{column} {row}h{length}v1h-{length}z" for row, column, length in _qr_runs(poster.qr))
    parts = [
        '<?xml version="1.0" encoding="UTF-8"?>',
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{page_width:g}mm" height="{page_height:g}mm" '
        f'viewBox="0 0 {LAYOUT_WIDTH:g} {LAYOUT_HEIGHT:g}" lang="{escape(language)}">',
        f"<title>{escape(poster.title)}</title>",
        f'<rect width="{LAYOUT_WIDTH:g}" height="{LAYOUT_HEIGHT:g}" fill="#ffffff"/>',
    ]
    parts += [
        f'<rect x="{box.x:g}" y="{box.y:g}" width="{box.width:g}" height="{box.height:g}" fill="{box.colour}"/>'
        for box in poster.boxes
    ]
    parts.append(
        f'<a href="{escape(url)}"><g transform="translate({poster.qr.x:.3f} {poster.qr.y:.3f}) scale({scale:.5f})">'
        f'<rect width="{modules}" height="{modules}" fill="#ffffff"/>'
        f'<path d="{path}" fill="#000000" shape-rendering="crispEdges"/></g></a>'
    )
    parts += [
        f'<text x="{text.x:.2f}" y="{text.baseline:.2f}" font-family="{SVG_FONTS}" font-size="{text.size:.3f}" '
        f'font-weight="{"bold" if text.bold else "normal"}" fill="{text.colour}" text-anchor="middle">'
        f"{escape(text.text)}</text>"
        for text in poster.texts
    ]
    parts.append("</svg>\n")
    return "\n".join(parts).encode()


def poster_pdf(location: Location, *, url: str, language: str, size: str) -> bytes:
    poster = poster_layout(location, url=url, language=language)
    page_width, page_height = PAGE_POINTS[size]
    factor = page_width / (LAYOUT_WIDTH * mm)  # A5 is A4 scaled down
    buffer = io.BytesIO()
    canvas = Canvas(buffer, pagesize=(page_width, page_height), invariant=1, lang=language)
    canvas.setTitle(poster.title)
    canvas.setSubject(url)
    canvas.setAuthor("Amends")
    canvas.scale(factor, factor)

    def y(from_top: float) -> float:  # PDF's origin is at the bottom
        return (LAYOUT_HEIGHT - from_top) * mm

    for box in poster.boxes:
        canvas.setFillColor(box.colour)
        canvas.rect(box.x * mm, y(box.y + box.height), box.width * mm, box.height * mm, stroke=0, fill=1)
    for text in poster.texts:
        canvas.setFillColor(text.colour)
        canvas.setFont(BOLD if text.bold else REGULAR, text.size * mm)
        canvas.drawCentredString(text.x * mm, y(text.baseline), text.text)

    modules = len(poster.qr.matrix) + 2 * poster.qr.border
    module = poster.qr.size / modules
    canvas.setFillColor("#000000")
    path = canvas.beginPath()
    for row, column, length in _qr_runs(poster.qr):
        left, top = poster.qr.x + column * module, poster.qr.y + row * module
        path.rect(left * mm, y(top + module), length * module * mm, module * mm)
    canvas.drawPath(path, stroke=0, fill=1)
    qr_box = (
        poster.qr.x * mm * factor,
        y(poster.qr.y + poster.qr.size) * factor,
        (poster.qr.x + poster.qr.size) * mm * factor,
        y(poster.qr.y) * factor,
    )
    canvas.linkURL(url, qr_box, relative=0)
    canvas.showPage()
    canvas.save()
    return buffer.getvalue()
