"""Positional encoding: the sine and cosine waves that tell a transformer where each token is.

PE[k, 2i] = sin(k / base^(2i/d)),  PE[k, 2i+1] = cos(k / base^(2i/d)).
With d = 4 and base = 100 the first four rows are the "I am a robot" table of the course notes.
"""

from genai_course import positional, svg
from genai_course.demo import ControlState, Number, Panel, Slider, Text, View

CONTROLS = [
    Slider("num_positions", "Number of positions", 1, 128, 1, default=32),
    Slider("d_model", "Model width d_model", 2, 128, 2, default=64),
    Number("base", "Base n", 2, 1_000_000, default=100, help="The transformer paper uses 10000."),
    Text("dimensions", "Columns to plot (comma-separated)", default="0, 1, 6, 7", max_length=60),
]


def parse_dimensions(dimensions: str, d_model: int) -> tuple[list[int], list[int]]:
    """'0, 1, 6' -> ([0, 1], [6]) with d_model 4: the columns to plot, and those beyond d_model
    (left out, so that every width the slider offers draws the waves it has)."""
    chosen = []
    for part in dimensions.split(","):
        part = part.strip()
        if not part.isdigit():
            raise ValueError(f"Columns to plot: {part!r} is not a column number.")
        chosen.append(int(part))
    if len(chosen) > 8:
        raise ValueError("Columns to plot: at most 8 columns at once.")
    return [j for j in chosen if j < d_model], [j for j in chosen if j >= d_model]


def control_states(values: dict) -> dict[str, ControlState]:
    """Columns past the model's width are not plotted: say which."""
    try:
        columns, beyond = parse_dimensions(values["dimensions"], values["d_model"])
    except ValueError:
        return {}  # render says what is wrong
    if not beyond:
        return {}
    listed = ", ".join(map(str, beyond))
    instead = "" if columns else " Columns 0 and 1 are plotted instead."
    last = values["d_model"] - 1
    return {
        "dimensions": ControlState(
            note=f"Not plotted: {listed} (d_model {values['d_model']} has columns 0…{last})."
            + instead
        )
    }


def render(num_positions: int, d_model: int, base: float, dimensions: str) -> View:
    pe = positional.sinusoidal_encoding(num_positions, d_model, base)
    # columns past d_model are left out (control_states says so); if none is left, the first two
    columns = parse_dimensions(dimensions, d_model)[0] or [0, 1]
    similarity = positional.position_similarity(pe)
    robot = positional.sinusoidal_encoding(4, 4, base)
    words = ["I", "am", "a", "Robot"]
    headings = ["i=0 (sin)", "i=0 (cos)", "i=1 (sin)", "i=1 (cos)"]
    positions = [str(k) for k in range(num_positions)]
    return View(
        [
            Panel(
                f"Positional encoding, {num_positions} positions × d_model {d_model}",
                svg.heatmap(
                    pe,
                    positions,
                    [str(j) for j in range(d_model)],
                    title="Positional encoding matrix",
                    description=f"Rows are positions 0 to {num_positions - 1}, columns are the "
                    f"{d_model} dimensions; values lie between -1 and 1.",
                    colormap="diverging",
                    vmin=-1.0,
                    vmax=1.0,
                    id_prefix="pe-matrix",
                ),
                alt=svg.data_table(
                    pe[:16, :8],
                    positions[:16],
                    [str(j) for j in range(min(d_model, 8))],
                    caption=f"The first {min(num_positions, 16)} positions and "
                    f"{min(d_model, 8)} columns",
                ),
            ),
            Panel(
                "Columns as waves over the positions",
                svg.line_chart(
                    list(range(num_positions)),
                    {f"column {j}": pe[:, j] for j in columns},
                    title="Selected columns of the encoding",
                    description="Low columns oscillate fast, high columns slowly.",
                    x_label="position k",
                    y_label="PE value",
                    id_prefix="pe-waves",
                ),
            ),
            Panel(
                "Similarity of positions PE·PEᵀ",
                svg.heatmap(
                    similarity,
                    positions,
                    positions,
                    title="Dot products between position encodings",
                    description="Bright near the diagonal: nearby positions have similar "
                    "encodings, and the similarity falls off with distance.",
                    colormap="sequential",
                    cell_titles=num_positions <= 48,
                    id_prefix="pe-similarity",
                ),
            ),
            Panel(
                f"“I am a robot” with d = 4, base {base:g}",
                svg.data_table(
                    robot,
                    words,
                    headings,
                    caption="Positional encoding of 'I am a robot'",
                    value_format="{:.2f}",
                ),
                caption="With base 100 these are the values of the course notes.",
            ),
        ],
        summary=f"Positional encoding of {num_positions} positions with d_model {d_model} and "
        f"base {base:g}; the last position starts {', '.join(f'{v:.2f}' for v in pe[-1, :4])}.",
    )


if __name__ == "__main__":
    print(render(32, 64, 100, "0, 1, 6, 7").summary)
