"""SVG figures and their text alternatives — drawn by the same code at build time and in the page.

Every figure is an accessible image (role="img" with <title> and <desc>), scales to the width of
a phone (viewBox, no fixed pixel width), draws its text in ``currentColor`` so it reads in the
light and the dark theme, and escapes every label: labels are often text a learner typed.
Figures are laid out for the width they are shown at: a panel is about 300 CSS px wide on a
phone and on a laptop alike, so a viewBox ``WIDTH`` units wide puts one unit at about one CSS px
and text of ``FONT`` units stays readable. Dense axes show every k-th label (k a round number)
rather than shrinking the text; the exact values are in the read-out and the data tables.
Colours: viridis (sequential) and a blue–white–orange diverging map, both readable with the
common colour-vision deficiencies.
"""

import base64
import json
import struct
import zlib
from collections.abc import Mapping, Sequence
from html import escape

import numpy as np
import numpy.typing as npt

__all__ = [
    "bar_chart",
    "colour",
    "colours",
    "data_table",
    "heatmap",
    "image",
    "image_rows",
    "line_chart",
    "png_bytes",
    "scatter",
    "token_strip",
]

# viridis, 9 evenly spaced anchors from matplotlib's _cm_listed table
VIRIDIS = ["#440154", "#472d7b", "#3b528b", "#2c728e", "#21918c", "#28ae80", "#5ec962",
           "#addc30", "#fde725"]  # fmt: skip
# diverging blue – white – orange (ColorBrewer PuOr reversed, 9 classes), colour-blind safe
DIVERGING = ["#2d004b", "#542788", "#8073ac", "#b2abd2", "#f7f7f7", "#fdb863", "#e08214",
             "#b35806", "#7f3b08"]  # fmt: skip
SERIES = ["#0072b2", "#e69f00", "#009e73", "#cc79a7", "#56b4e9", "#d55e00", "#f0e442", "#999999"]
DASHES = ["", "6 3", "2 2", "8 3 2 3", "1 3", "10 4", "4 2 1 2", "3 3"]

FloatArray = npt.NDArray[np.float64]

# the layout width of every figure, in viewBox units (about CSS px in a panel)
WIDTH = 280.0
# the text size of every label, in viewBox units; never smaller
FONT = 12
# the width of one character at FONT (DejaVu Sans averages about 0.6 em), and a label's longest
CHAR_W = 7.2
LABEL_CHARS = 10
# a line of labels: their pitch may not be less than this
LINE = 15.0
# the tallest plot area; a taller figure would be scaled down by the page's max-height
MAX_PLOT_H = 300.0


def _rgb(hex_colour: str) -> tuple[int, int, int]:
    return int(hex_colour[1:3], 16), int(hex_colour[3:5], 16), int(hex_colour[5:7], 16)


def colours(t: npt.ArrayLike, colormap: str = "sequential") -> npt.NDArray[np.uint8]:
    """The colours at positions t in [0, 1] of a colour map, by linear interpolation.

    # [...] -> [..., 3] (red, green, blue as 0–255)
    """
    anchors = np.array([_rgb(c) for c in (VIRIDIS if colormap == "sequential" else DIVERGING)])
    t = np.clip(np.asarray(t, dtype=np.float64), 0.0, 1.0) * (len(anchors) - 1)
    low = np.minimum(t.astype(np.int64), len(anchors) - 2)
    f = (t - low)[..., None]
    rgb = anchors[low] + (anchors[low + 1] - anchors[low]) * f
    out: npt.NDArray[np.uint8] = np.rint(rgb).astype(np.uint8)
    return out


def colour(t: float, colormap: str = "sequential") -> str:
    """The colour at position t in [0, 1] of a colour map, as #rrggbb."""
    r, g, b = colours(float(t), colormap)
    return f"#{r:02x}{g:02x}{b:02x}"


def _open(
    width: float, height: float, title: str, description: str, id_prefix: str, kind: str = ""
) -> str:
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink" '
        f'viewBox="0 0 {width:.0f} {height:.0f}" '
        f'width="100%" role="img" aria-labelledby="{id_prefix}-title {id_prefix}-desc" '
        f'font-size="{FONT}" fill="currentColor" class="gc-svg{kind and " " + kind}">'
        f'<title id="{id_prefix}-title">{escape(title)}</title>'
        f'<desc id="{id_prefix}-desc">{escape(description)}</desc>'
    )


def _fmt(value: float, value_format: str) -> str:
    return "—" if not np.isfinite(value) else value_format.format(value)


def _tick(value: float) -> str:
    """An axis end: three significant digits, but whole numbers up to a million in full
    ("8,000" where ``:.3g`` writes "8e+03")."""
    if value == round(value) and abs(value) < 1e6:
        return f"{value:,.0f}"
    return f"{value:.3g}"


def _step(pitch: float, room: float) -> int:
    """Label every k-th item, k a round number (1, 2, 5, 10, 20, 50, …), so that labels
    ``pitch`` apart get at least ``room`` each."""
    k = 1
    while k * pitch < room:
        k = k * 5 // 2 if str(k)[0] == "2" else k * 2
    return k


def _short(label: str) -> str:
    """A label cut to LABEL_CHARS characters, with an ellipsis when it was longer."""
    return label if len(label) <= LABEL_CHARS else label[: LABEL_CHARS - 1] + "…"


def _text_w(labels: Sequence[str]) -> float:
    """The width of the longest of these labels once cut, at FONT."""
    return CHAR_W * max((len(_short(s)) for s in labels), default=1)


def _attr_json(value: object) -> str:
    """A value as JSON inside a double-quoted attribute (labels are often a learner's text)."""
    return escape(json.dumps(value, ensure_ascii=False), quote=True)


# Beyond this many cells the hover read-out is left out: its data would outweigh the picture.
MAX_READOUT_CELLS = 16_384


def heatmap(
    matrix: npt.ArrayLike,
    row_labels: Sequence[str],
    col_labels: Sequence[str],
    *,
    title: str,
    description: str,
    colormap: str = "sequential",
    vmin: float | None = None,
    vmax: float | None = None,
    cell_titles: bool = True,
    value_format: str = "{:.2f}",
    id_prefix: str = "heatmap",
    outline_row: int | None = None,
) -> str:
    """A matrix as coloured cells; rows and columns labelled. NaN cells are left empty.
    ``outline_row`` draws a frame round one row and its label (the row a caption talks about).

    The cells are one PNG image (one pixel a cell, drawn sharp), so a large matrix costs the page
    one element, not one per cell. Over it lies one focusable layer that carries the labels and
    the formatted values (``cell_titles``): the page highlights the row and column under the
    pointer, or chosen with the arrow keys, and reads the value out.
    """
    m = np.asarray(matrix, dtype=np.float64)
    if m.ndim != 2 or m.size == 0:
        raise ValueError(f"heatmap needs a non-empty 2-D matrix, got shape {m.shape}")
    rows, cols = m.shape
    if len(row_labels) != rows or len(col_labels) != cols:
        raise ValueError(
            f"heatmap of shape {m.shape} needs {rows} row and {cols} column labels, "
            f"got {len(row_labels)} and {len(col_labels)}"
        )
    finite = np.isfinite(m)
    values = m[finite] if finite.any() else np.zeros(1)
    low = float(values.min()) if vmin is None else vmin
    high = float(values.max()) if vmax is None else vmax
    if colormap == "diverging" and vmin is None and vmax is None:
        # centre a diverging map on zero, so white means 0
        high = max(abs(low), abs(high)) or 1.0
        low = -high
    span = (high - low) or 1.0
    # rows labelled on the left, columns above: short labels level, longer ones slanted up
    label_w = 6 + _text_w(row_labels)
    col_w = _text_w(col_labels)
    level = col_w <= 3 * CHAR_W
    # a slanted label leans right by half its length beyond the last column
    right = 6 + (col_w / 2 if level else col_w * 0.5)
    cell_w = min(28.0, (WIDTH - label_w - right) / cols)
    cell_h = min(cell_w, MAX_PLOT_H / rows)
    label_h = 6 + (FONT if level else col_w * 0.87)
    width = WIDTH
    height = label_h + rows * cell_h + 44
    # [rows, cols] -> [rows, cols, 4]: colour-mapped, NaN cells transparent
    rgba = np.zeros((rows, cols, 4), dtype=np.uint8)
    rgba[..., :3] = colours((np.where(finite, m, low) - low) / span, colormap)
    rgba[..., 3] = np.where(finite, 255, 0)
    data = base64.b64encode(png_bytes(rgba)).decode()
    w, h = cols * cell_w, rows * cell_h
    parts = [_open(width, height, title, description, id_prefix)]
    parts.append(f'<g transform="translate({label_w:.1f},{label_h:.1f})">')
    parts.append(
        f'<image xlink:href="data:image/png;base64,{data}" width="{w:.1f}" height="{h:.1f}" '
        f'preserveAspectRatio="none" style="image-rendering:pixelated"/>'
    )
    if cell_titles and rows * cols <= MAX_READOUT_CELLS:
        shown = [_fmt(v, value_format) for v in m.ravel()]
        parts.append(
            f'<rect class="gc-cells" width="{w:.1f}" height="{h:.1f}" fill="transparent" '
            f'tabindex="0" role="application" aria-roledescription="heatmap" '
            f'aria-label="{escape(title)}: arrow keys move between cells" '
            f'data-rows="{_attr_json([str(r) for r in row_labels])}" '
            f'data-cols="{_attr_json([str(c) for c in col_labels])}" '
            f'data-values="{_attr_json(shown)}"/>'
            f'<rect class="gc-hl" data-band="row" width="{w:.1f}" height="{cell_h:.1f}" '
            f'fill="none" visibility="hidden" pointer-events="none"/>'
            f'<rect class="gc-hl" data-band="col" width="{cell_w:.1f}" height="{h:.1f}" '
            f'fill="none" visibility="hidden" pointer-events="none"/>'
        )
    if outline_row is not None:
        parts.append(
            f'<rect class="gc-outline" x="{-label_w + 2:.1f}" y="{outline_row * cell_h:.1f}" '
            f'width="{label_w - 2 + w:.1f}" height="{cell_h:.1f}" fill="none" '
            f'stroke="currentColor" stroke-width="2" pointer-events="none"/>'
        )
    for i in range(0, rows, _step(cell_h, LINE)):
        parts.append(
            f'<text x="-4" y="{(i + 0.5) * cell_h:.1f}" text-anchor="end" '
            f'dominant-baseline="middle">{escape(_short(row_labels[i]))}</text>'
        )
    for j in range(0, cols, _step(cell_w, col_w + 6 if level else LINE)):
        x = (j + 0.5) * cell_w
        placed = 'text-anchor="middle"' if level else 'transform="rotate(-60)"'
        parts.append(
            f'<g transform="translate({x:.1f},-5)"><text {placed}>'
            f"{escape(_short(col_labels[j]))}</text></g>"
        )
    parts.append("</g>")
    parts.append(_legend(label_w, label_h + h + 10, low, high, colormap, id_prefix))
    parts.append("</svg>")
    return "".join(parts)


def _legend(x: float, y: float, low: float, high: float, cmap: str, prefix: str) -> str:
    """The colour scale, a bar below the map from its lowest value (left) to its highest."""
    w = min(160.0, WIDTH - x - 6)
    stops = "".join(
        f'<stop offset="{t:.2f}" stop-color="{colour(t, cmap)}"/>' for t in np.linspace(0, 1, 9)
    )
    return (
        f'<defs><linearGradient id="{prefix}-legend" x1="0" y1="0" x2="1" y2="0">{stops}'
        f"</linearGradient></defs>"
        f'<rect x="{x:.1f}" y="{y:.1f}" width="{w:.1f}" height="10" fill="url(#{prefix}-legend)"/>'
        f'<text x="{x:.1f}" y="{y + 24:.1f}">{low:.3g}</text>'
        f'<text x="{x + w:.1f}" y="{y + 24:.1f}" text-anchor="end">{high:.3g}</text>'
    )


def bar_chart(
    values: npt.ArrayLike,
    labels: Sequence[str],
    *,
    title: str,
    description: str,
    overlay: npt.ArrayLike | None = None,
    highlight: Sequence[int] | None = None,
    cutoff: float | npt.ArrayLike | None = None,
    value_format: str = "{:.2f}",
    series_names: tuple[str, str] = ("bars", "marks"),
    id_prefix: str = "bars",
) -> str:
    """Vertical bars; ``overlay`` draws a second series as marks (e.g. the expected
    probabilities over observed frequencies) with a legend naming both (``series_names``),
    ``cutoff`` a labelled horizontal line. Each bar's value is written above it where it fits."""
    v = np.asarray(values, dtype=np.float64)
    if v.ndim != 1 or v.size == 0 or v.size != len(labels):
        raise ValueError(f"bar_chart needs as many labels ({len(labels)}) as values ({v.size})")
    if not np.all(np.isfinite(v)):
        raise ValueError("bar_chart values must be finite")
    marks = None if overlay is None else np.asarray(overlay, dtype=np.float64)
    bars_name, marks_name = series_names
    top = max(float(v.max()), float(marks.max()) if marks is not None else 0.0, 1e-12)
    n = v.size
    label_w = _text_w(labels)
    level = label_w <= 3 * CHAR_W
    top_label = f"{top:.2g}"
    # a slanted label hangs down-left from its bar: the first one needs room on the left
    left = 6 + max(CHAR_W * len(top_label), 0 if level else label_w * 0.5 - 6)
    bar_w = min(44.0, (WIDTH - left - 6) / n)
    gap = min(2.0, bar_w * 0.15)
    # a value above each bar only where it fits; otherwise the tooltip and the data table say it
    show_values = bar_w >= CHAR_W * max(len(_fmt(x, value_format)) for x in v) + 4
    # the tallest bar's value needs a line above the plot, or it is cut off at the top
    plot_h, top_y = 160.0, 10.0 + (FONT if show_values else 0)
    base_y = top_y + plot_h
    label_h = FONT + 6 if level else label_w * 0.87 + 10
    legend_y = base_y + label_h + 12
    width = WIDTH
    height = legend_y + (FONT + 8 if marks is not None else 0)
    emphasis = set(highlight) if highlight is not None else set(range(n))
    parts = [_open(width, height, title, description, id_prefix)]
    parts.append(
        f'<line x1="{left}" y1="{base_y}" x2="{left + n * bar_w:.1f}" y2="{base_y}" '
        f'stroke="currentColor" stroke-opacity="0.5"/><text x="{left - 4}" y="{top_y + 4:.1f}" '
        f'text-anchor="end">{top_label}</text>'
        f'<text x="{left - 4}" y="{base_y}" text-anchor="end">0</text>'
    )
    step = _step(bar_w, label_w + 6 if level else LINE)
    for i, value in enumerate(v):
        x = left + i * bar_w
        h = plot_h * value / top
        opacity = "0.9" if i in emphasis else "0.3"
        parts.append(
            f'<rect x="{x + gap:.1f}" y="{base_y - h:.1f}" width="{bar_w - 2 * gap:.2f}" '
            f'height="{h:.1f}" fill="{SERIES[0]}" fill-opacity="{opacity}">'
            f"<title>{escape(labels[i])}: {_fmt(value, value_format)}</title></rect>"
        )
        if show_values:
            parts.append(
                f'<text x="{x + bar_w / 2:.1f}" y="{base_y - h - 3:.1f}" text-anchor="middle">'
                f"{_fmt(value, value_format)}</text>"
            )
        # every step-th label, counted from 1 so that 1-based numbers read 10, 20, 30, …
        if step == 1 or (i + 1) % step == 0:
            placed = (
                f'<text x="{x + bar_w / 2:.1f}" y="{base_y + FONT + 3:.1f}" text-anchor="middle">'
                if level
                else f'<text transform="translate({x + bar_w / 2 + 4:.1f},{base_y + 8}) '
                f'rotate(-60)" text-anchor="end">'
            )
            parts.append(f"{placed}{escape(_short(labels[i]))}</text>")
        if marks is not None:
            y = base_y - plot_h * marks[i] / top
            parts.append(
                f'<line x1="{x + 1:.1f}" y1="{y:.1f}" x2="{x + bar_w - 1:.1f}" y2="{y:.1f}" '
                f'stroke="{SERIES[1]}" stroke-width="3"><title>{escape(labels[i])} '
                f"{escape(marks_name)}: {_fmt(marks[i], value_format)}</title></line>"
            )
    if marks is not None:
        second = left + 36 + CHAR_W * len(bars_name)
        parts.append(
            f'<rect x="{left}" y="{legend_y - 9:.1f}" width="16" height="10" fill="{SERIES[0]}" '
            f'fill-opacity="0.9"/><text x="{left + 20}" y="{legend_y:.1f}">'
            f"{escape(bars_name)}</text>"
            f'<line x1="{second:.1f}" y1="{legend_y - 4:.1f}" x2="{second + 16:.1f}" '
            f'y2="{legend_y - 4:.1f}" stroke="{SERIES[1]}" stroke-width="3"/>'
            f'<text x="{second + 20:.1f}" y="{legend_y:.1f}">{escape(marks_name)}</text>'
        )
    if cutoff is not None:
        c = float(np.asarray(cutoff))
        y = base_y - plot_h * c / top
        parts.append(
            f'<line x1="{left}" y1="{y:.1f}" x2="{width - 6:.1f}" y2="{y:.1f}" '
            f'stroke="{SERIES[5]}" '
            f'stroke-dasharray="5 3"/><text x="{width - 8:.1f}" y="{y - 3:.1f}" text-anchor="end">'
            f"cutoff {_fmt(c, value_format)}</text>"
        )
    parts.append("</svg>")
    return "".join(parts)


def line_chart(
    x: npt.ArrayLike,
    series: Mapping[str, npt.ArrayLike],
    *,
    title: str,
    description: str,
    x_label: str = "",
    y_label: str = "",
    id_prefix: str = "lines",
) -> str:
    """Lines over a shared x axis; each series has its own colour and dash pattern."""
    xs = np.asarray(x, dtype=np.float64)
    ys = {name: np.asarray(s, dtype=np.float64) for name, s in series.items()}
    for name, s in ys.items():
        if s.shape != xs.shape:
            raise ValueError(f"series {name!r} has {s.size} points but x has {xs.size}")
    all_y = np.concatenate([s for s in ys.values()] or [np.zeros(1)])
    lo, hi = float(all_y.min()), float(all_y.max())
    if hi == lo:
        lo, hi = lo - 1, hi + 1
    x_lo, x_hi = float(xs.min()), float(xs.max()) if xs.size else 1.0
    x_span = (x_hi - x_lo) or 1.0
    ticks = [_tick(hi), _tick(lo)]
    left = FONT + 8 + CHAR_W * max(len(t) for t in ticks)
    top, h = 10.0, 150.0
    w = WIDTH - left - 10
    # the legend: as many entries a line as fit
    entry = 40 + CHAR_W * max((len(_short(name)) for name in ys), default=1)
    per_line = max(1, int(w // entry))
    legend_y = top + h + 2 * FONT + 14
    height = legend_y + (FONT + 6) * -(-len(ys) // per_line)
    parts = [_open(WIDTH, height, title, description, id_prefix)]
    parts.append(
        f'<rect x="{left}" y="{top}" width="{w}" height="{h}" fill="none" stroke="currentColor" '
        f'stroke-opacity="0.4"/><text x="{left - 4}" y="{top + 8}" text-anchor="end">{ticks[0]}'
        f'</text><text x="{left - 4}" y="{top + h}" text-anchor="end">{ticks[1]}</text>'
        f'<text x="{left}" y="{top + h + FONT + 4}">{_tick(x_lo)}</text>'
        f'<text x="{left + w}" y="{top + h + FONT + 4}" text-anchor="end">{_tick(x_hi)}</text>'
        f'<text x="{left + w / 2}" y="{top + h + FONT + 4}" text-anchor="middle">'
        f"{escape(x_label)}</text>"
        f'<text transform="translate({FONT},{top + h / 2}) rotate(-90)" text-anchor="middle">'
        f"{escape(y_label)}</text>"
    )
    for n, (name, s) in enumerate(ys.items()):
        px = left + (xs - x_lo) / x_span * w
        py = top + (hi - s) / (hi - lo) * h
        points = " ".join(f"{a:.1f},{b:.1f}" for a, b in zip(px, py, strict=True))
        dash = f' stroke-dasharray="{DASHES[n % 8]}"' if DASHES[n % 8] else ""
        parts.append(
            f'<polyline points="{points}" fill="none" stroke="{SERIES[n % 8]}" '
            f'stroke-width="1.8"{dash}><title>{escape(name)}</title></polyline>'
        )
        lx, ly = left + (n % per_line) * entry, legend_y + (FONT + 6) * (n // per_line)
        parts.append(
            f'<line x1="{lx}" y1="{ly - 4}" x2="{lx + 28}" y2="{ly - 4}" stroke="{SERIES[n % 8]}" '
            f'stroke-width="2"{dash}/><text x="{lx + 32}" y="{ly}">{escape(_short(name))}</text>'
        )
    parts.append("</svg>")
    return "".join(parts)


def png_bytes(pixels: npt.ArrayLike) -> bytes:
    """A PNG, encoded with zlib (no imaging library): greyscale from values in [0, 1] of shape
    [h, w], or colour with transparency from 0–255 values of shape [h, w, 4] (RGBA)."""
    p = np.asarray(pixels)
    if p.ndim not in (2, 3) or p.size == 0 or (p.ndim == 3 and p.shape[2] != 4):
        raise ValueError(f"image needs a non-empty [h, w] or [h, w, 4] array, got {p.shape}")
    if p.ndim == 2:
        grey = np.asarray(p, dtype=np.float64)
        if not np.all(np.isfinite(grey)):
            raise ValueError("image pixels must be finite numbers")
        samples, colour_type = np.round(np.clip(grey, 0.0, 1.0) * 255).astype(np.uint8), 0
    else:
        if p.dtype != np.uint8:
            raise ValueError(f"RGBA pixels must be uint8 (0–255), got {p.dtype}")
        samples, colour_type = p, 6
    h, w = samples.shape[:2]
    # each scanline starts with filter type 0 (none)
    raw = np.concatenate([np.zeros((h, 1), np.uint8), samples.reshape(h, -1)], axis=1).tobytes()

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    header = struct.pack(">IIBBBBB", w, h, 8, colour_type, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(raw, 6))
        + chunk(b"IEND", b"")
    )


def image(
    pixels: npt.ArrayLike,
    *,
    title: str,
    description: str,
    size: float = 256.0,
    id_prefix: str = "image",
) -> str:
    """A greyscale image (values in [0, 1]) as an SVG holding a PNG data URI, pixels kept sharp.

    ``size`` is the width; the height keeps the image's own aspect ratio (a strip of images)."""
    png = png_bytes(pixels)
    rows, columns = np.shape(pixels)[:2]
    height = size * rows / columns
    data = base64.b64encode(png).decode()
    return (
        _open(size, height, title, description, id_prefix)
        + f'<image xlink:href="data:image/png;base64,{data}" '
        f'width="{size:.0f}" height="{height:.0f}" '
        f'preserveAspectRatio="none" style="image-rendering:pixelated"/></svg>'
    )


def image_rows(
    rows: Sequence[tuple[str, npt.ArrayLike]],
    *,
    title: str,
    description: str,
    id_prefix: str = "image-rows",
) -> str:
    """Images of the same width stacked, each under its label (e.g. originals over rebuilt
    copies), drawn the figure's full width with sharp pixels: grey [h, w] in [0, 1] or RGBA."""
    if not rows:
        raise ValueError("image_rows needs at least one row")
    widths = {np.shape(pixels)[1] for _, pixels in rows}
    if len(widths) != 1:
        raise ValueError(f"image_rows needs rows of one width, got widths {sorted(widths)}")
    scale = WIDTH / widths.pop()
    parts, y = [], 0.0
    for label, pixels in rows:
        data = base64.b64encode(png_bytes(pixels)).decode()
        h = scale * np.shape(pixels)[0]
        parts.append(
            f'<text x="0" y="{y + FONT:.1f}">{escape(label)}</text>'
            f'<image xlink:href="data:image/png;base64,{data}" x="0" y="{y + FONT + 4:.1f}" '
            f'width="{WIDTH:.0f}" height="{h:.1f}" preserveAspectRatio="none" '
            f'style="image-rendering:pixelated"/>'
        )
        y += FONT + 4 + h + 8
    return _open(WIDTH, y - 8, title, description, id_prefix) + "".join(parts) + "</svg>"


def scatter(
    points: npt.ArrayLike,
    *,
    title: str,
    description: str,
    outlines: Mapping[str, npt.ArrayLike] | None = None,
    marked: Mapping[str, Sequence[float]] | None = None,
    extent: float | None = None,
    id_prefix: str = "scatter",
) -> str:
    """2-D points as dots, with optional closed outlines (e.g. 1σ and 2σ ellipses) and marked
    points (drawn as labelled crosses)."""
    pts = np.asarray(points, dtype=np.float64)
    if pts.ndim != 2 or pts.shape[1] != 2:
        raise ValueError(f"scatter needs points of shape [n, 2], got {pts.shape}")
    reach = extent or float(np.abs(pts).max(initial=1.0)) * 1.1
    pad = 20.0
    size = WIDTH - 2 * pad

    def to_xy(p: FloatArray) -> tuple[FloatArray, FloatArray]:
        return pad + (p[..., 0] + reach) / (2 * reach) * size, pad + (reach - p[..., 1]) / (
            2 * reach
        ) * size

    parts = [_open(size + 2 * pad, size + 2 * pad, title, description, id_prefix)]
    mid = pad + size / 2
    parts.append(
        f'<line x1="{pad}" y1="{mid}" x2="{pad + size}" y2="{mid}" stroke="currentColor" '
        f'stroke-opacity="0.3"/><line x1="{mid}" y1="{pad}" x2="{mid}" y2="{pad + size}" '
        f'stroke="currentColor" stroke-opacity="0.3"/>'
        f'<text x="{pad + size}" y="{mid - 4}" text-anchor="end">{reach:.2g}</text>'
    )
    xs, ys = to_xy(pts)
    parts.append(
        "".join(
            f'<circle cx="{a:.1f}" cy="{b:.1f}" r="1.6" fill="{SERIES[0]}" fill-opacity="0.45"/>'
            for a, b in zip(xs, ys, strict=True)
        )
    )
    for n, (name, outline) in enumerate((outlines or {}).items()):
        ox, oy = to_xy(np.asarray(outline, dtype=np.float64))
        path = " ".join(f"{a:.1f},{b:.1f}" for a, b in zip(ox, oy, strict=True))
        parts.append(
            f'<polygon points="{path}" fill="none" stroke="{SERIES[1 + n % 7]}" stroke-width="2" '
            f'stroke-dasharray="{DASHES[1 + n % 7]}"><title>{escape(name)}</title></polygon>'
        )
    for name, (px, py) in (marked or {}).items():
        cx, cy = to_xy(np.array([px, py]))
        # the name goes to the right of its cross, or to the left where it would leave the figure
        flip = cx + 7 + CHAR_W * len(name) > size + 2 * pad
        tx, anchor = (cx - 7, "end") if flip else (cx + 7, "start")
        parts.append(
            f'<path d="M{cx - 5:.1f},{cy - 5:.1f}L{cx + 5:.1f},{cy + 5:.1f}M{cx - 5:.1f},'
            f'{cy + 5:.1f}L{cx + 5:.1f},{cy - 5:.1f}" stroke="{SERIES[5]}" stroke-width="2.5"/>'
            f'<text x="{tx:.1f}" y="{max(cy - 6, FONT):.1f}" text-anchor="{anchor}">'
            f"{escape(name)}</text>"
        )
    parts.append("</svg>")
    return "".join(parts)


def data_table(
    matrix: npt.ArrayLike,
    row_labels: Sequence[str],
    col_labels: Sequence[str],
    *,
    caption: str,
    value_format: str = "{:.2f}",
    row_formats: Sequence[str] | None = None,
) -> str:
    """An HTML table of a matrix: the text alternative of a figure.

    ``value_format`` formats every value; ``row_formats`` gives each row its own format instead
    (counts as whole numbers, "{:,.0f}", next to ratios, "{:.2f}")."""
    m = np.asarray(matrix, dtype=np.float64)
    if m.ndim != 2 or m.shape != (len(row_labels), len(col_labels)):
        raise ValueError(
            f"data_table of shape {m.shape} needs {m.shape[0] if m.ndim == 2 else '?'} row and "
            f"column labels to match, got {len(row_labels)} × {len(col_labels)}"
        )
    formats = list(row_formats) if row_formats is not None else [value_format] * len(row_labels)
    if len(formats) != len(row_labels):
        raise ValueError(f"data_table needs one format per row, got {len(formats)}")
    head = "".join(f'<th scope="col">{escape(c)}</th>' for c in col_labels)
    body = "".join(
        f'<tr><th scope="row">{escape(r)}</th>'
        + "".join(f"<td>{_fmt(v, formats[i])}</td>" for v in m[i])
        + "</tr>"
        for i, r in enumerate(row_labels)
    )
    return (
        f'<table class="gc-table"><caption>{escape(caption)}</caption>'
        f"<thead><tr><td></td>{head}</tr></thead><tbody>{body}</tbody></table>"
    )


def token_strip(
    pieces: Sequence[str],
    ids: Sequence[int],
    *,
    title: str,
    description: str,
    id_prefix: str = "tokens",
) -> str:
    """Tokens as a row of boxes (wrapping), each with its text and its id underneath."""
    if len(pieces) != len(ids):
        raise ValueError(f"token_strip needs one id per piece, got {len(pieces)} and {len(ids)}")
    width, x, y, row_h = WIDTH, 4.0, 4.0, 2 * FONT + 20
    boxes = []
    for n, (piece, token_id) in enumerate(zip(pieces, ids, strict=True)):
        shown = piece.replace(" ", "·")[:16] or "∅"
        # monospace at FONT + 1: 0.6 em a character
        w = max(CHAR_W * len(str(token_id)) + 8, 0.6 * (FONT + 1) * len(shown) + 10)
        if x + w > width - 4 and x > 4:
            x, y = 4.0, y + row_h
        boxes.append(
            f'<rect x="{x:.1f}" y="{y:.1f}" width="{w:.1f}" height="{FONT + 12}" rx="3" '
            f'fill="{SERIES[n % 6]}" fill-opacity="0.25" stroke="{SERIES[n % 6]}">'
            f"<title>{escape(repr(piece))} → id {token_id}</title></rect>"
            f'<text x="{x + w / 2:.1f}" y="{y + FONT + 5:.1f}" text-anchor="middle" '
            f'font-family="monospace" font-size="{FONT + 1}">{escape(shown)}</text>'
            f'<text x="{x + w / 2:.1f}" y="{y + 2 * FONT + 15:.1f}" text-anchor="middle">'
            f"{token_id}</text>"
        )
        x += w + 4
    # a strip of text wraps like text: it may grow taller than the page's figure height limit
    head = _open(width, y + row_h, title, description, id_prefix, kind="gc-flow")
    return head + "".join(boxes) + "</svg>"
