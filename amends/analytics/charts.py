"""Server-rendered SVG charts for the analytics pages: inline, script-free, accessible and locale-neutral.

Every string that ends up in a chart (titles, labels, formatted numbers) arrives from the caller already
translated and formatted, so this module never guesses a locale: it lays things out and escapes text.
Styling hooks are CSS classes; presentation attributes give a readable default without any stylesheet
(CSS rules win over presentation attributes, so a stylesheet can restyle everything).
"""

from __future__ import annotations

import hashlib
import math
import unicodedata
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

from django.utils.html import escape

from .stats import ChartPoint, ControlChart, ParetoRow

__all__ = ["bars_svg", "control_chart_svg", "gap_bars_svg", "interval_svg", "pareto_svg"]

# Default palette: readable on white, distinguishable in grey-scale print, and not red/green dependent.
_TEXT = "#1f2933"
_MUTED = "#52606d"
_GRID = "#e4e7eb"
_AXIS = "#9aa5b1"
_BAR = "#a7bcd3"
_BAR_STRONG = "#2f5f8f"
_ACCENT = "#d9822b"
_ALERT = "#c0392b"
_FONT = "system-ui, -apple-system, 'Segoe UI', Roboto, 'Noto Sans', sans-serif"
# A white outline keeps labels legible where they cross lines or dots.
_HALO = ' stroke="#fff" stroke-width="3" stroke-linejoin="round" paint-order="stroke"'
_DASH_LIMIT = "6 4"
_DASH_REFERENCE = "5 4"

_CANVAS_WIDTH = 720.0
_ROW_HEIGHT = 28.0
_PARETO_LABEL_CHARS = 18
_PARETO_ROTATE_ABOVE = 6
_PARETO_ANGLE = 35.0
_PARETO_REFERENCE = 0.8
_MAX_X_LABELS = 12
_HEADROOM = 0.08
_TICKS = 5
_RANGE_DASH = "\u2013"  # en dash between interval ends

_Format = Callable[[float], str]
_Map = Callable[[float], float]


def _default_tick(value: float) -> str:
    return f"{value:.3g}"


def _default_percent(share: float) -> str:
    return f"{share:.0%}"


def _default_signed(value: float) -> str:
    return f"{value:+.2f}"


# --------------------------------------------------------------------------- primitives


@dataclass(frozen=True)
class _Plot:
    """The data rectangle inside a canvas; margins hold labels and legends."""

    left: float
    top: float
    width: float
    height: float
    canvas_width: float
    canvas_height: float

    @property
    def right(self) -> float:
        return self.left + self.width

    @property
    def bottom(self) -> float:
        return self.top + self.height


def _n(value: float) -> str:
    """Short, stable coordinates keep the markup small and diffable."""
    text = f"{value:.1f}".removesuffix(".0")
    return "0" if text == "-0" else text


def _esc(text: str) -> str:
    return str(escape(text))


def _text_width(text: str, size: float) -> float:
    """Estimate rendered width so layouts leave room for long translations and wide (CJK) glyphs."""
    return sum(size * (1.0 if unicodedata.east_asian_width(ch) in "WF" else 0.58) for ch in text)


def _clip(text: str, *, chars: int, width: float = math.inf, size: float = 11.0) -> str:
    """Shorten a label to fit its slot; the caller keeps the full text for a hover title."""
    if len(text) <= chars and _text_width(text, size) <= width:
        return text
    cut = text[: max(chars - 1, 1)]
    while len(cut) > 1 and _text_width(cut + "…", size) > width:
        cut = cut[:-1]
    return cut.rstrip() + "…"


def _text(
    x: float,
    y: float,
    content: str,
    *,
    cls: str,
    anchor: str = "start",
    size: float = 12.0,
    fill: str = _TEXT,
    full: str | None = None,
    extra: str = "",
) -> str:
    """One escaped text element; a shortened label carries its full text as a hover title."""
    hover = f"<title>{_esc(full)}</title>" if full is not None and full != content else ""
    return (
        f'<text class="{cls}" x="{_n(x)}" y="{_n(y)}" text-anchor="{anchor}" font-size="{_n(size)}" '
        f'fill="{fill}"{extra}>{hover}{_esc(content)}</text>'
    )


def _line(
    x1: float, y1: float, x2: float, y2: float, *, cls: str, stroke: str, width: float = 1.0, dash: str = ""
) -> str:
    dash_attr = f' stroke-dasharray="{dash}"' if dash else ""
    return (
        f'<line class="{cls}" x1="{_n(x1)}" y1="{_n(y1)}" x2="{_n(x2)}" y2="{_n(y2)}" '
        f'stroke="{stroke}" stroke-width="{_n(width)}"{dash_attr}/>'
    )


def _rect(x: float, y: float, width: float, height: float, *, cls: str, fill: str, hover: str = "") -> str:
    title = f"<title>{_esc(hover)}</title>" if hover else ""
    return (
        f'<rect class="{cls}" x="{_n(x)}" y="{_n(y)}" width="{_n(max(width, 0.0))}" '
        f'height="{_n(max(height, 0.0))}" fill="{fill}">{title}</rect>'
    )


def _plot_area(plot: _Plot) -> str:
    """A hook for CSS backgrounds, and the data rectangle tests can measure against."""
    return (
        f'<rect class="plot-area" x="{_n(plot.left)}" y="{_n(plot.top)}" width="{_n(plot.width)}" '
        f'height="{_n(plot.height)}" fill="none"/>'
    )


def _scale(domain_lo: float, domain_hi: float, range_lo: float, range_hi: float) -> Callable[[float], float]:
    span = (domain_hi - domain_lo) or 1.0
    return lambda value: range_lo + (value - domain_lo) / span * (range_hi - range_lo)


def _document(kind: str, width: float, height: float, title: str, description: str, body: Sequence[str]) -> str:
    """Wrap a chart so screen readers announce its title and description and it scales with its container."""
    content = "".join(body)
    digest = hashlib.blake2s(f"{kind}\0{title}\0{description}\0{content}".encode(), digest_size=5).hexdigest()
    uid = f"chart-{digest}"
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart chart-{kind}" width="100%" '
        f'viewBox="0 0 {_n(width)} {_n(height)}" preserveAspectRatio="xMidYMid meet" role="img" '
        f'aria-labelledby="{uid}-title {uid}-desc" font-family="{_FONT}" font-size="12">'
        f'<title id="{uid}-title">{_esc(title)}</title><desc id="{uid}-desc">{_esc(description)}</desc>'
        f"{content}</svg>"
    )


def _empty_svg(kind: str, title: str, description: str) -> str:
    """Nothing to plot: say so in the chart's place instead of drawing empty axes."""
    width = max(_CANVAS_WIDTH, _text_width(description, 13) + 48)
    body = [
        f'<rect class="empty-frame" x="0.5" y="0.5" width="{_n(width - 1)}" height="71" rx="6" '
        f'fill="#f5f7fa" stroke="{_GRID}"/>',
        _text(width / 2, 40.5, description, cls="empty-message", anchor="middle", size=13, fill=_MUTED),
    ]
    return _document(f"{kind} chart-empty", width, 72, title, description, body)


def _check_lengths(count: int, **series: Sequence[object]) -> None:
    for name, values in series.items():
        if len(values) != count:
            raise ValueError(f"{name} has {len(values)} entries for {count} rows")


def _legend(x: float, y: float, items: Sequence[tuple[str, str, str, str]]) -> str:
    """Line swatches with labels; items are (label, css class, stroke, dash pattern)."""
    parts = ['<g class="legend">']
    for label, cls, stroke, dash in items:
        parts.append(_line(x, y, x + 22, y, cls=f"legend-swatch {cls}", stroke=stroke, width=2, dash=dash))
        parts.append(_text(x + 28, y + 4, label, cls="legend-label", size=11))
        x += 28 + _text_width(label, 11) + 20
    parts.append("</g>")
    return "".join(parts)


def _nice_ticks(lo: float, hi: float, count: int = _TICKS) -> list[float]:
    """Exactly `count` round-numbered ticks whose range covers [lo, hi], so axes read easily."""
    raw = (hi - lo) / (count - 1) if hi > lo else (abs(hi) or 1.0) / (count - 1)
    exponent = math.floor(math.log10(raw))
    for power in range(exponent, exponent + 3):
        for mantissa in (1.0, 1.5, 2.0, 2.5, 3.0, 4.0, 5.0, 6.0, 8.0):
            step = mantissa * 10.0**power
            if step < raw * (1 - 1e-9):
                continue
            start = math.floor(lo / step + 1e-9) * step
            if start + step * (count - 1) >= hi - step * 1e-9:
                return [float(f"{start + i * step:.12g}") for i in range(count)]
    return [lo + i * raw for i in range(count)]


def _padded_extent(values: Sequence[float], *, floor_at_zero: bool) -> tuple[float, float]:
    """Data range with headroom so nothing sits on the frame; non-negative data never shows negatives."""
    lo, hi = min(values), max(values)
    pad = (hi - lo) * _HEADROOM if hi > lo else (abs(hi) * 0.1 or 1.0)
    padded_lo = lo - pad
    if floor_at_zero and lo >= 0:
        padded_lo = max(padded_lo, 0.0)
    return padded_lo, hi + pad


# --------------------------------------------------------------------------- Pareto


def pareto_svg(
    rows: Sequence[ParetoRow],
    *,
    labels: Sequence[str],
    value_labels: Sequence[str],
    title: str,
    description: str,
    cumulative_label: str,
    percent_format: Callable[[float], str] = _default_percent,
) -> str:
    """Bars plus their cumulative share, so the vital few categories behind most of the total stand out.

    `percent_format` renders the right-axis shares (0..1) in the reader's locale.
    """
    if not rows:
        return _empty_svg("pareto", title, description)
    _check_lengths(len(rows), labels=labels, value_labels=value_labels)
    rotate = len(rows) > _PARETO_ROTATE_ABOVE
    plot = _pareto_plot(len(rows), labels, percent_format, rotate=rotate)
    slot = plot.width / len(rows)
    share_y = _scale(0.0, 1.0, plot.bottom, plot.top)
    vmax = max(row.value for row in rows) or 1.0
    tops = [plot.bottom - row.value / vmax * plot.height for row in rows]
    centres = [plot.left + (i + 0.5) * slot for i in range(len(rows))]
    body = [_plot_area(plot), *_pareto_axes(plot, share_y, percent_format)]
    for row, label, value_label, x, top in zip(rows, labels, value_labels, centres, tops, strict=True):
        cls, fill = ("bar vital", _BAR_STRONG) if row.vital_few else ("bar", _BAR)
        hover = f"{label}: {value_label}"
        body.append(_rect(x - slot * 0.34, top, slot * 0.68, plot.bottom - top, cls=cls, fill=fill, hover=hover))
    points = " ".join(f"{_n(x)},{_n(share_y(row.cumulative_share))}" for x, row in zip(centres, rows, strict=True))
    body.append(f'<polyline class="cumulative" points="{points}" fill="none" stroke="{_ACCENT}" stroke-width="2"/>')
    for x, row in zip(centres, rows, strict=True):
        y = share_y(row.cumulative_share)
        body.append(
            f'<circle class="cumulative-dot" cx="{_n(x)}" cy="{_n(y)}" r="3.5" fill="{_ACCENT}" '
            f'stroke="#fff" stroke-width="1.5"/>'
        )
    for x, top, value_label in zip(centres, tops, value_labels, strict=True):
        body.append(_text(x, top - 6, value_label, cls="value-label", anchor="middle", size=11, extra=_HALO))
    body += _category_labels(labels, plot, slot, rotate=rotate)
    legend_items = [(cumulative_label, "cumulative", _ACCENT, "")]
    body.append(_legend(plot.left, 16, legend_items))
    return _document("pareto", plot.canvas_width, plot.canvas_height, title, description, body)


def _pareto_plot(count: int, labels: Sequence[str], percent_format: Callable[[float], str], *, rotate: bool) -> _Plot:
    """Size margins for the right-hand percent axis and for (possibly rotated) category labels."""
    right = max(_text_width(percent_format(k / 5), 11) for k in range(6)) + 16
    width = max(_CANVAS_WIDTH, count * 40.0 + 120)
    left, top, height = 24.0, 52.0, 230.0
    if rotate:
        label_width = max(_text_width(_clip(label, chars=_PARETO_LABEL_CHARS), 11) for label in labels)
        slot = (width - left - right) / count
        angle = math.radians(_PARETO_ANGLE)
        left = max(left, label_width * math.cos(angle) - slot / 2 + 8)
        bottom = label_width * math.sin(angle) + 28
    else:
        bottom = 34.0
    return _Plot(left, top, width - left - right, height, width, top + height + bottom)


def _pareto_axes(plot: _Plot, share_y: Callable[[float], float], percent_format: Callable[[float], str]) -> list[str]:
    """Grid and right-hand 0-100% axis, plus the dashed 80% line that separates the vital few."""
    out: list[str] = []
    for k in range(6):
        y = share_y(k / 5)
        out.append(_line(plot.left, y, plot.right, y, cls="grid", stroke=_GRID))
        out.append(_text(plot.right + 8, y + 4, percent_format(k / 5), cls="tick", size=11, fill=_MUTED))
    y80 = share_y(_PARETO_REFERENCE)
    out.append(_line(plot.left, y80, plot.right, y80, cls="reference", stroke=_MUTED, dash=_DASH_REFERENCE))
    out.append(_line(plot.right, plot.top, plot.right, plot.bottom, cls="axis", stroke=_AXIS))
    out.append(_line(plot.left, plot.bottom, plot.right, plot.bottom, cls="axis", stroke=_AXIS))
    return out


def _category_labels(labels: Sequence[str], plot: _Plot, slot: float, *, rotate: bool) -> list[str]:
    """Labels under the bars: rotated when crowded, always short, the full text on hover."""
    out: list[str] = []
    for i, label in enumerate(labels):
        x = plot.left + (i + 0.5) * slot
        if rotate:
            y = plot.bottom + 14
            shown = _clip(label, chars=_PARETO_LABEL_CHARS)
            transform = f' transform="rotate(-{_n(_PARETO_ANGLE)} {_n(x)} {_n(y)})"'
            out.append(_text(x, y, shown, cls="category-label", anchor="end", size=11, full=label, extra=transform))
        else:
            shown = _clip(label, chars=_PARETO_LABEL_CHARS, width=slot - 6)
            out.append(_text(x, plot.bottom + 18, shown, cls="category-label", anchor="middle", size=11, full=label))
    return out


# --------------------------------------------------------------------------- control chart


def control_chart_svg(
    chart: ControlChart,
    *,
    labels: Sequence[str],
    title: str,
    description: str,
    centre_label: str,
    limit_label: str,
    tick_format: Callable[[float], str] = _default_tick,
) -> str:
    """Plot subgroup rates against their own limits so signals, not noise, draw the eye."""
    points = chart.points
    if not points:
        return _empty_svg("control", title, description)
    _check_lengths(len(points), labels=labels)
    ticks = _nice_ticks(*_padded_extent(_control_values(chart), floor_at_zero=True))
    left = max(_text_width(tick_format(t), 11) for t in ticks) + 18
    plot = _Plot(left, 40.0, _CANVAS_WIDTH - left - 20, 220.0, _CANVAS_WIDTH, 40.0 + 220 + 34)
    y_of = _scale(ticks[0], ticks[-1], plot.bottom, plot.top)
    step = plot.width / len(points)
    xs = [plot.left + (i + 0.5) * step for i in range(len(points))]
    body = [_plot_area(plot), *_y_axis(plot, ticks, y_of, tick_format), *_x_labels(labels, xs, plot)]
    centre_y = y_of(chart.centre)
    body.append(_line(plot.left, centre_y, plot.right, centre_y, cls="centre", stroke=_MUTED, width=1.5))
    for name in ("ucl", "lcl"):
        limits = [getattr(point, name) for point in points]
        path = _step_path(limits, xs, step, y_of)
        if path:
            body.append(
                f'<path class="limit {name}" d="{path}" fill="none" stroke="{_ALERT}" stroke-width="1.5" '
                f'stroke-dasharray="{_DASH_LIMIT}"/>'
            )
    body += _series(points, xs, y_of)
    body += _point_marks(points, labels, xs, y_of, tick_format)
    legend_items = [(centre_label, "centre", _MUTED, ""), (limit_label, "limit", _ALERT, _DASH_LIMIT)]
    body.append(_legend(plot.left, 16, legend_items))
    return _document("control", plot.canvas_width, plot.canvas_height, title, description, body)


def _finite(value: float | None) -> float | None:
    return value if value is not None and math.isfinite(value) else None


def _control_values(chart: ControlChart) -> list[float]:
    """Everything the y-axis must show: values, both limits and the centre."""
    values = [chart.centre]
    for point in chart.points:
        values += [v for v in (_finite(point.value), _finite(point.ucl), _finite(point.lcl)) if v is not None]
    return values


def _y_axis(plot: _Plot, ticks: Sequence[float], y_of: _Map, fmt: _Format) -> list[str]:
    out: list[str] = []
    for tick in ticks:
        y = y_of(tick)
        out.append(_line(plot.left, y, plot.right, y, cls="grid", stroke=_GRID))
        out.append(_text(plot.left - 8, y + 4, fmt(tick), cls="tick", anchor="end", size=11, fill=_MUTED))
    out.append(_line(plot.left, plot.top, plot.left, plot.bottom, cls="axis", stroke=_AXIS))
    out.append(_line(plot.left, plot.bottom, plot.right, plot.bottom, cls="axis", stroke=_AXIS))
    return out


def _x_labels(labels: Sequence[str], xs: Sequence[float], plot: _Plot) -> list[str]:
    """At most ~12 evenly spaced subgroup labels, fewer when they are long, so they never collide."""
    shown = [_clip(label, chars=14) for label in labels]
    widest = max(_text_width(text, 11) for text in shown) + 12
    room = max(1, min(_MAX_X_LABELS, int(plot.width // widest)))
    stride = math.ceil(len(labels) / room)
    out: list[str] = []
    for i in range(0, len(labels), stride):
        out.append(_line(xs[i], plot.bottom, xs[i], plot.bottom + 4, cls="axis", stroke=_AXIS))
        out.append(
            _text(xs[i], plot.bottom + 18, shown[i], cls="tick", anchor="middle", size=11, fill=_MUTED, full=labels[i])
        )
    return out


def _step_path(limits: Sequence[float | None], xs: Sequence[float], step: float, y_of: Callable[[float], float]) -> str:
    """Limits vary with subgroup size, so each point's limit spans its own slot; gaps break the line."""
    parts: list[str] = []
    joined = False
    for limit, x in zip(limits, xs, strict=True):
        limit = _finite(limit)
        if limit is None:
            joined = False
            continue
        y = _n(y_of(limit))
        parts.append(f"{'L' if joined else 'M'} {_n(x - step / 2)} {y} L {_n(x + step / 2)} {y}")
        joined = True
    return " ".join(parts)


def _series(points: Sequence[ChartPoint], xs: Sequence[float], y_of: Callable[[float], float]) -> list[str]:
    """One polyline per run of consecutive values: an empty subgroup is a gap, not a zero."""
    runs: list[list[str]] = [[]]
    for point, x in zip(points, xs, strict=True):
        value = _finite(point.value)
        if value is None:
            if runs[-1]:
                runs.append([])
            continue
        runs[-1].append(f"{_n(x)},{_n(y_of(value))}")
    return [
        f'<polyline class="series" points="{" ".join(run)}" fill="none" stroke="{_BAR_STRONG}" stroke-width="2" '
        f'stroke-linejoin="round"/>'
        for run in runs
        if run
    ]


def _point_marks(
    points: Sequence[ChartPoint],
    labels: Sequence[str],
    xs: Sequence[float],
    y_of: Callable[[float], float],
    fmt: Callable[[float], str],
) -> list[str]:
    """A dot per subgroup; signals are larger, coloured and name their rule codes on hover."""
    out: list[str] = []
    for point, label, x in zip(points, labels, xs, strict=True):
        value = _finite(point.value)
        if value is None:
            continue
        hover = f"{label}: {fmt(value)}"
        if point.signals:
            cls, radius, fill = "point signal", 5.5, _ALERT
            hover += " — " + ", ".join(point.signals)
        else:
            cls, radius, fill = "point", 3.5, _BAR_STRONG
        out.append(
            f'<circle class="{cls}" cx="{_n(x)}" cy="{_n(y_of(value))}" r="{_n(radius)}" fill="{fill}" '
            f'stroke="#fff" stroke-width="1.5"><title>{_esc(hover)}</title></circle>'
        )
    return out


# --------------------------------------------------------------------------- horizontal bars


@dataclass(frozen=True)
class _HBar:
    label: str
    value: float | None
    value_label: str
    cls: str
    fill: str


def bars_svg(
    values: Sequence[float],
    *,
    labels: Sequence[str],
    value_labels: Sequence[str],
    title: str,
    description: str,
) -> str:
    """Plain horizontal bars: long category names stay readable without rotation."""
    if not values:
        return _empty_svg("bars", title, description)
    _check_lengths(len(values), labels=labels, value_labels=value_labels)
    rows = [
        _HBar(label, value, value_label, "bar", _BAR_STRONG)
        for value, label, value_label in zip(values, labels, value_labels, strict=True)
    ]
    return _hbar_chart("bars", rows, title, description)


def gap_bars_svg(
    gaps: Mapping[str, float | None],
    *,
    labels: Mapping[str, str],
    title: str,
    description: str,
    highlight: str | None,
    value_format: Callable[[float], str] = _default_signed,
) -> str:
    """Diverging bars around zero so shortfalls (negative gaps) and surpluses read at a glance."""
    if not gaps:
        return _empty_svg("gaps", title, description)
    rows: list[_HBar] = []
    for key, gap in gaps.items():
        value = _finite(gap)
        sign = "negative" if value is not None and value < 0 else "positive"
        cls, fill = (f"bar {sign} highlight", _ACCENT) if key == highlight else (f"bar {sign}", _BAR)
        rows.append(_HBar(labels.get(key, key), value, "" if value is None else value_format(value), cls, fill))
    return _hbar_chart("gaps", rows, title, description)


def _hbar_chart(kind: str, rows: Sequence[_HBar], title: str, description: str) -> str:
    """Shared layout: label column, bars from a zero line, value labels just past each bar's end."""
    numbers = [row.value for row in rows if row.value is not None]
    lo, hi = min([0.0, *numbers]), max([0.0, *numbers])
    if lo == hi:
        hi = 1.0
    label_width = min(max(_text_width(row.label, 12) for row in rows), _CANVAS_WIDTH * 0.35)
    value_width = max([_text_width(row.value_label, 11) for row in rows] + [12.0]) + 10
    left = 12 + label_width + 12 + (value_width if lo < 0 else 0)
    right = value_width + 12 if hi > 0 else 12
    height = len(rows) * _ROW_HEIGHT
    plot = _Plot(left, 8.0, _CANVAS_WIDTH - left - right, height, _CANVAS_WIDTH, height + 16)
    x_of = _scale(lo, hi, plot.left, plot.right)
    zero = x_of(0.0)
    body = [_plot_area(plot)]
    for i, row in enumerate(rows):
        y = plot.top + (i + 0.5) * _ROW_HEIGHT
        shown = _clip(row.label, chars=60, width=label_width, size=12)
        body.append(_text(12 + label_width, y + 4, shown, cls="category-label", anchor="end", full=row.label))
        if row.value is None:
            body.append(_text(zero + 6, y + 4, "—", cls="value-label missing", size=11, fill=_MUTED))
            continue
        end = x_of(row.value)
        hover = f"{row.label}: {row.value_label}"
        body.append(_rect(min(zero, end), y - 8, abs(end - zero), 16, cls=row.cls, fill=row.fill, hover=hover))
        anchor, offset = ("end", -6) if row.value < 0 else ("start", 6)
        body.append(_text(end + offset, y + 4, row.value_label, cls="value-label", anchor=anchor, size=11))
    body.append(_line(zero, plot.top, zero, plot.bottom, cls="zero axis", stroke=_AXIS))
    return _document(kind, plot.canvas_width, plot.canvas_height, title, description, body)


# --------------------------------------------------------------------------- forest plot


def interval_svg(
    rows: Sequence[tuple[str, float, float, float]],
    *,
    title: str,
    description: str,
    reference: float = 0.0,
    tick_format: Callable[[float], str] = _default_tick,
) -> str:
    """A forest plot: each estimate with its interval against a reference, so uncertainty is never hidden."""
    if not rows:
        return _empty_svg("interval", title, description)
    ticks = _nice_ticks(*_padded_extent([v for row in rows for v in row[1:]] + [reference], floor_at_zero=False))
    fmt = tick_format
    summaries = [f"{fmt(est)} ({fmt(low)} {_RANGE_DASH} {fmt(high)})" for _, est, low, high in rows]
    label_width = min(max(_text_width(row[0], 12) for row in rows), _CANVAS_WIDTH * 0.3)
    summary_width = max(_text_width(text, 11) for text in summaries)
    left = 12 + label_width + 14
    height = len(rows) * _ROW_HEIGHT
    plot = _Plot(left, 8.0, _CANVAS_WIDTH - left - summary_width - 26, height, _CANVAS_WIDTH, height + 8 + 34)
    x_of = _scale(ticks[0], ticks[-1], plot.left, plot.right)
    body = [_plot_area(plot), *_x_axis(plot, ticks, x_of, tick_format)]
    ref_x = x_of(reference)
    body.append(_line(ref_x, plot.top, ref_x, plot.bottom, cls="reference", stroke=_MUTED, dash=_DASH_REFERENCE))
    for i, ((label, est, low, high), summary) in enumerate(zip(rows, summaries, strict=True)):
        y = plot.top + (i + 0.5) * _ROW_HEIGHT
        shown = _clip(label, chars=60, width=label_width, size=12)
        body.append(_text(12 + label_width, y + 4, shown, cls="category-label", anchor="end", full=label))
        body.append(_line(x_of(low), y, x_of(high), y, cls="interval", stroke=_BAR_STRONG, width=2))
        for end in (low, high):
            body.append(_line(x_of(end), y - 5, x_of(end), y + 5, cls="interval-cap", stroke=_BAR_STRONG, width=2))
        body.append(_rect(x_of(est) - 5, y - 5, 10, 10, cls="estimate", fill=_BAR_STRONG, hover=f"{label}: {summary}"))
        body.append(_text(plot.right + 14, y + 4, summary, cls="value-label", size=11))
    return _document("interval", plot.canvas_width, plot.canvas_height, title, description, body)


def _x_axis(plot: _Plot, ticks: Sequence[float], x_of: _Map, fmt: _Format) -> list[str]:
    out: list[str] = []
    for tick in ticks:
        x = x_of(tick)
        out.append(_line(x, plot.top, x, plot.bottom, cls="grid", stroke=_GRID))
        out.append(_text(x, plot.bottom + 18, fmt(tick), cls="tick", anchor="middle", size=11, fill=_MUTED))
    out.append(_line(plot.left, plot.bottom, plot.right, plot.bottom, cls="axis", stroke=_AXIS))
    return out
