"""svg.py: well-formed, accessible, escaped figures; correct colours; a PNG a decoder accepts."""

from __future__ import annotations

import base64
import itertools
import json
import struct
import xml.etree.ElementTree as ET
import zlib

import numpy as np
import pytest

from genai_course import svg

NS = "{http://www.w3.org/2000/svg}"
EVIL = "<img src=x onerror=alert(1)>"


def parse(markup: str) -> ET.Element:
    return ET.fromstring(markup)


def heatmap_pixels(root: ET.Element) -> np.ndarray:
    """The RGBA cells of a heatmap, decoded from its PNG."""
    (image,) = list(root.iter(f"{NS}image"))
    # xlink:href, not href: Material's instant navigation rewrites every [href] it finds, and
    # an SVG image's href cannot be assigned (a page error that stops the rewrite)
    assert image.get("href") is None
    href = image.get("{http://www.w3.org/1999/xlink}href")
    assert href.startswith("data:image/png;base64,")
    return decode_png(base64.b64decode(href.split(",", 1)[1]))


def test_heatmap_structure_and_accessibility() -> None:
    m = np.arange(12, dtype=float).reshape(3, 4) / 11
    root = parse(
        svg.heatmap(m, list("abc"), list("wxyz"), title="T", description="D", id_prefix="h1")
    )
    assert root.get("role") == "img" and root.get("aria-labelledby") == "h1-title h1-desc"
    assert root.find(f"{NS}title").text == "T" and root.find(f"{NS}desc").text == "D"
    pixels = heatmap_pixels(root)
    assert pixels.shape == (3, 4, 4)
    # cell (1, 1) holds 5/11 of the way from the minimum 0 to the maximum 1
    assert "#{:02x}{:02x}{:02x}".format(*pixels[1, 1, :3]) == svg.colour(5 / 11)
    assert (pixels[..., 3] == 255).all()
    (layer,) = [r for r in root.iter(f"{NS}rect") if r.get("class") == "gc-cells"]
    assert layer.get("tabindex") == "0"
    assert json.loads(layer.get("data-rows")) == list("abc")
    assert json.loads(layer.get("data-cols")) == list("wxyz")
    values = json.loads(layer.get("data-values"))
    assert len(values) == 12 and values[5] == "0.45"  # row-major: row 1, column 1
    bands = [r.get("data-band") for r in root.iter(f"{NS}rect") if r.get("class") == "gc-hl"]
    assert sorted(bands) == ["col", "row"]
    assert root.get("width") == "100%" and root.get("viewBox")


def test_heatmap_colours_match_the_colour_map_for_every_cell() -> None:
    rng = np.random.default_rng(3)
    m = rng.normal(size=(7, 5))
    root = parse(svg.heatmap(m, list("abcdefg"), list("vwxyz"), title="t", description="d",
                             colormap="diverging"))  # fmt: skip
    pixels = heatmap_pixels(root)
    reach = np.abs(m).max()  # a diverging map is centred on 0
    for i, j in itertools.product(range(7), range(5)):
        expected = svg.colour((m[i, j] + reach) / (2 * reach), "diverging")
        assert "#{:02x}{:02x}{:02x}".format(*pixels[i, j, :3]) == expected


def test_labels_from_learners_are_escaped() -> None:
    markup = svg.heatmap(np.eye(2), [EVIL, "b"], ["c", EVIL], title=EVIL, description=EVIL)
    root = parse(markup)  # still well-formed XML
    assert not any(el.tag.endswith("img") for el in root.iter())
    assert "&lt;img src=x onerror=alert(1)&gt;" in markup
    (layer,) = [r for r in root.iter(f"{NS}rect") if r.get("class") == "gc-cells"]
    assert json.loads(layer.get("data-rows"))[0] == EVIL  # kept as text, read with textContent
    table = svg.data_table(np.eye(1), [EVIL], [EVIL], caption=EVIL)
    assert "<img" not in table
    bars = svg.bar_chart([0.5, 0.5], [EVIL, "b"], title=EVIL, description="d")
    assert "<img" not in bars and parse(bars) is not None


def test_a_data_table_row_can_have_its_own_format() -> None:
    m = np.array([[49194.0, 3.0], [2.1875, 0.5]])
    table = svg.data_table(
        m, ["count", "ratio"], ["a", "b"], caption="c", row_formats=["{:,.0f}", "{:.2f}"]
    )
    assert "<td>49,194</td><td>3</td>" in table and "<td>2.19</td><td>0.50</td>" in table
    # one format for all, as before
    assert "<td>49194.00</td>" in svg.data_table(m, ["x", "y"], ["a", "b"], caption="c")
    with pytest.raises(ValueError, match="one format per row, got 1"):
        svg.data_table(m, ["x", "y"], ["a", "b"], caption="c", row_formats=["{:.0f}"])


def test_nan_cells_are_left_empty_and_constant_matrices_work() -> None:
    m = np.array([[1.0, np.nan], [0.5, 0.2]])
    root = parse(svg.heatmap(m, ["a", "b"], ["c", "d"], title="t", description="d"))
    alpha = heatmap_pixels(root)[..., 3]
    np.testing.assert_array_equal(alpha, [[255, 0], [255, 255]])
    (layer,) = [r for r in root.iter(f"{NS}rect") if r.get("class") == "gc-cells"]
    assert json.loads(layer.get("data-values"))[1] == "—"
    parse(svg.heatmap(np.ones((2, 2)), ["a", "b"], ["c", "d"], title="t", description="d"))


def test_colour_maps() -> None:
    assert svg.colour(0.0) == "#440154" and svg.colour(1.0) == "#fde725"
    assert svg.colour(0.5, "diverging") == "#f7f7f7"  # white in the middle
    assert svg.colour(-3) == svg.colour(0) and svg.colour(9) == svg.colour(1)  # clipped

    def lightness(hex_colour: str) -> float:
        r, g, b = (int(hex_colour[i : i + 2], 16) / 255 for i in (1, 3, 5))
        return 0.2126 * r + 0.7152 * g + 0.0722 * b

    values = [lightness(svg.colour(t)) for t in np.linspace(0, 1, 33)]
    assert all(a < b for a, b in itertools.pairwise(values))  # viridis brightens


def test_large_heatmaps_thin_labels_and_stay_one_image() -> None:
    labels = [str(i) for i in range(128)]
    root = parse(svg.heatmap(np.zeros((128, 128)), labels, labels, title="t", description="d"))
    texts = [t for t in root.iter(f"{NS}text")]
    assert len(texts) < 100
    # 16,384 cells: one image and a read-out layer, not one element per cell
    assert len(list(root.iter(f"{NS}rect"))) < 10
    assert heatmap_pixels(root).shape == (128, 128, 4)
    root = parse(svg.heatmap(np.zeros((129, 128)), [*labels, "x"], labels, title="t",
                             description="d"))  # fmt: skip
    assert not [r for r in root.iter(f"{NS}rect") if r.get("class") == "gc-cells"]
    quiet = parse(svg.heatmap(np.zeros((2, 2)), ["a", "b"], ["c", "d"], title="t",
                              description="d", cell_titles=False))  # fmt: skip
    assert not [r for r in quiet.iter(f"{NS}rect") if r.get("class") == "gc-cells"]


def decode_png(data: bytes) -> np.ndarray:
    """A small independent PNG reader: chunks, CRCs, zlib, filter type 0; 8-bit grey or RGBA."""
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    pos, idat, width, height, channels = 8, b"", 0, 0, 1
    while pos < len(data):
        (length,) = struct.unpack(">I", data[pos : pos + 4])
        kind, body = data[pos + 4 : pos + 8], data[pos + 8 : pos + 8 + length]
        (crc,) = struct.unpack(">I", data[pos + 8 + length : pos + 12 + length])
        assert crc == zlib.crc32(kind + body)
        if kind == b"IHDR":
            width, height = struct.unpack(">II", body[:8])
            assert body[8:10] in (b"\x08\x00", b"\x08\x06")  # 8-bit greyscale or RGBA
            channels = 1 if body[9] == 0 else 4
        elif kind == b"IDAT":
            idat += body
        pos += 12 + length
    raw = zlib.decompress(idat)
    stride = width * channels + 1
    rows = [raw[i * stride : (i + 1) * stride] for i in range(height)]
    assert all(r[0] == 0 for r in rows)
    pixels = np.array([list(r[1:]) for r in rows], dtype=np.uint8)
    return pixels if channels == 1 else pixels.reshape(height, width, 4)


def test_png_round_trip() -> None:
    rng = np.random.default_rng(0)
    pixels = rng.random((17, 23))
    decoded = decode_png(svg.png_bytes(pixels))
    np.testing.assert_array_equal(decoded, np.round(pixels * 255).astype(np.uint8))
    with pytest.raises(ValueError, match="finite"):
        svg.png_bytes(np.array([[np.nan]]))
    parse(svg.image(pixels, title="t", description="d"))
    rgba = rng.integers(0, 256, size=(5, 3, 4)).astype(np.uint8)
    np.testing.assert_array_equal(decode_png(svg.png_bytes(rgba)), rgba)
    with pytest.raises(ValueError, match="uint8"):
        svg.png_bytes(rgba.astype(np.float64))


def test_charts_are_well_formed() -> None:
    parse(svg.line_chart([0, 1, 2], {"a": [0, 1, 0], "b": [1, 0, 1]}, title="t", description="d"))
    parse(
        svg.bar_chart(
            [0.2, 0.8],
            ["a", "b"],
            title="t",
            description="d",
            overlay=[0.3, 0.7],
            highlight=[1],
            cutoff=0.2,
        )
    )
    parse(
        svg.scatter(
            np.zeros((5, 2)),
            title="t",
            description="d",
            outlines={"1σ": [[0, 1], [1, 0], [0, -1]]},
            marked={"z": (0.5, 0.5)},
        )
    )
    with pytest.raises(ValueError, match="as many labels"):
        svg.bar_chart([1.0], ["a", "b"], title="t", description="d")


def figures_of_every_kind() -> dict[str, ET.Element]:
    rng = np.random.default_rng(1)
    words = ["great", "good", "awesome", "fine", "okay", "bad", "long", "boring", "terrible"]
    return {
        "words heatmap": parse(
            svg.heatmap(rng.random((9, 9)), words, words, title="t", description="d")
        ),
        "tall heatmap": parse(
            svg.heatmap(
                rng.random((128, 2)),
                [str(i) for i in range(128)],
                ["a", "b"],
                title="t",
                description="d",
            )
        ),
        "wide heatmap": parse(
            svg.heatmap(
                rng.random((32, 64)),
                [str(i) for i in range(32)],
                [str(j) for j in range(64)],
                title="t",
                description="d",
            )
        ),
        "120 bars": parse(
            svg.bar_chart(
                rng.random(120), [str(i + 1) for i in range(120)], title="t", description="d"
            )
        ),
        "word bars": parse(
            svg.bar_chart(
                rng.random(9), words, overlay=rng.random(9), cutoff=0.3, title="t", description="d"
            )
        ),
        "lines": parse(
            svg.line_chart(
                np.arange(50),
                {f"column {j}": rng.random(50) for j in range(8)},
                title="t",
                description="d",
            )
        ),
        "scatter": parse(
            svg.scatter(
                rng.normal(size=(99, 2)),
                marked={"z = [3.4, 0]": (3.4, 0)},
                title="t",
                description="d",
                extent=3.5,
            )
        ),
        "tokens": parse(svg.token_strip(words * 5, list(range(45)), title="t", description="d")),
    }


@pytest.mark.parametrize("kind", list(figures_of_every_kind()))
def test_figures_are_laid_out_for_a_panel_and_keep_their_text_large(kind: str) -> None:
    root = figures_of_every_kind()[kind]
    _, _, width, height = (float(v) for v in root.get("viewBox").split())
    # one viewBox unit is about one CSS px in a phone's or a laptop's panel (about 300 px)
    assert width == svg.WIDTH <= 300
    if kind != "tokens":  # a token strip wraps like text and may grow
        assert height <= 460, height  # never scaled down by the page's 70vh height limit
    assert float(root.get("font-size")) >= 12
    sizes = [float(el.get("font-size")) for el in root.iter() if el.get("font-size")]
    assert min(sizes) >= 12, sizes
    texts = [t for t in root.iter(f"{NS}text")]
    assert texts
    for t in texts:  # nothing drawn left of or above the figure (level labels are centred)
        if t.get("x") is not None and t.get("text-anchor") in (None, "start"):
            assert 0 <= float(t.get("x")) <= width


def test_dense_axes_label_every_kth_item_with_k_a_round_number() -> None:
    figures = figures_of_every_kind()
    bar_labels = [t.text for t in figures["120 bars"].iter(f"{NS}text")][2:]
    assert bar_labels == [str(k) for k in range(20, 121, 20)]
    wide = list(figures["wide heatmap"].iter(f"{NS}text"))
    columns = [t.text for t in wide if t.get("text-anchor") == "middle"]  # level, above the map
    rows = [t.text for t in wide if t.get("x") == "-4"]  # left of the map
    assert columns == [str(j) for j in range(0, 64, 10)]
    assert rows == [str(i) for i in range(0, 32, 5)]
    words = [t.text for t in figures["words heatmap"].iter(f"{NS}text")]
    assert words[:9] == ["great", "good", "awesome", "fine", "okay", "bad", "long", "boring",
                         "terrible"]  # fmt: skip
    # nine bars are too narrow for their values: the data table has them, the legend names marks
    word_bars = [t.text for t in figures["word bars"].iter(f"{NS}text")]
    assert "observed" not in word_bars and "bars" in word_bars and "marks" in word_bars
    two = parse(svg.bar_chart([0.25, 0.75], ["a", "b"], title="t", description="d"))
    assert {"0.25", "0.75"} <= {t.text for t in two.iter(f"{NS}text")}  # wide bars: values shown


def test_long_labels_are_cut_with_an_ellipsis_and_kept_whole_in_the_read_out() -> None:
    long = "extraordinarily"
    root = parse(svg.heatmap(np.eye(2), [long, "b"], ["c", long], title="t", description="d"))
    shown = [t.text for t in root.iter(f"{NS}text")]
    assert "extraordi…" in shown and long not in shown
    (layer,) = [r for r in root.iter(f"{NS}rect") if r.get("class") == "gc-cells"]
    assert json.loads(layer.get("data-rows"))[0] == long


def test_image_rows_stack_labelled_rows_the_figure_wide_with_sharp_pixels() -> None:
    grey = np.linspace(0, 1, 8 * 20).reshape(8, 20)
    rgba = np.zeros((8, 20, 4), dtype=np.uint8)
    out = svg.image_rows(
        [("Originals <1>", grey), ("Rebuilt", rgba)], title="Rows", description="Two rows"
    )
    ET.fromstring(out)
    assert out.count("image-rendering:pixelated") == 2
    assert "Originals &lt;1&gt;" in out and "Rebuilt" in out
    # each row is the figure's width, and as tall as its aspect ratio makes it
    assert out.count(f'width="{svg.WIDTH:.0f}" height="{svg.WIDTH * 8 / 20:.1f}"') == 2
    with pytest.raises(ValueError, match="one width"):
        svg.image_rows([("a", grey), ("b", grey[:, :10])], title="t", description="d")
    with pytest.raises(ValueError, match="at least one row"):
        svg.image_rows([], title="t", description="d")


def test_bar_values_sit_inside_the_figure_above_the_tallest_bar() -> None:
    root = ET.fromstring(
        svg.bar_chart([0.053, 0.038, 0.024], ["2", "4", "8"], title="t", description="d")
    )
    texts = [t for t in root.iter("{http://www.w3.org/2000/svg}text") if t.get("y")]
    assert "0.05" in {t.text for t in texts}  # the tallest bar's value is shown…
    # …with a whole line of text above its baseline inside the figure (it was cut at the top)
    assert min(float(t.get("y", "0")) for t in texts) >= svg.FONT


def test_line_chart_writes_whole_axis_ends_in_full() -> None:
    chart = svg.line_chart(
        [0, 4000, 8000], {"loss": [1.25, 0.5, 0.75]}, title="t", description="d", x_label="step"
    )
    assert ">8,000</text>" in chart and "e+03" not in chart
    assert ">1.25</text>" in chart and ">0.5</text>" in chart
