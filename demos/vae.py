"""A trained VAE's latent map: every 8×8 digit it knows, laid out on two numbers z₁, z₂.

The map is the decoder's image at each point of a grid over z₁, z₂ in [−3, 3]; the coloured dots
are the 359 held-out digits, each at the μ its encoder gives it. Pick one: its μ and σ (the 1σ and
2σ ellipses of q(z | x)) appear on the map, a z = μ + σ·ε is drawn with the seed and decoded next
to the original, and the two terms of its ELBO are measured. The z₁, z₂ sliders decode any point
(they start at the course notes' z = [1.2, −0.6]).
"""

import base64
from html import escape

import numpy as np

from genai_course import digits, svg, vae
from genai_course.demo import ControlState, Number, Panel, Slider, Toggle, View

MODEL = vae.load_model()
HELD_OUT = digits.heldout()
EXTENT = 3.0  # the map shows z₁ and z₂ from −3 to 3: the prior N(0, I) puts 99.7 % of z there
CELLS = 10  # decoded images across the map
DRAWS = 64  # draws of ε for the reconstruction term's average
NEW_DIGITS = 8  # images generated from z ~ N(0, I)
# the held-out images' mean terms, from training/digit_vae_report.json (nats)
HELD_OUT_MEAN = {"reconstruction": -21.16, "kl": 2.93}
# a colour per digit, readable on black and on white ink (Okabe–Ito, and two more); the chosen
# image's marks are lime, a colour no digit has
DIGIT_COLOURS = ["#e69f00", "#56b4e9", "#009e73", "#f0e442", "#0072b2", "#d55e00", "#cc79a7",
                 "#ffffff", "#8e44ad", "#ff4f6e"]  # fmt: skip
MARK = "#b6ff00"

# none of these change with the controls: decode the map and encode the digits once
GRID, _ = vae.latent_grid(MODEL, EXTENT, CELLS)
MU, LOG_VAR = vae.encode(MODEL, HELD_OUT.images)

CONTROLS = [
    Slider("example", "Held-out digit number", 1, len(HELD_OUT.images), 1, default=5),
    Number("seed", "Random seed (ε and the new digits)", 0, 2**32 - 1, default=0, integer=True),
    Slider("z1", "Decode a point: z₁", -EXTENT, EXTENT, 0.1, default=1.2),
    Slider("z2", "Decode a point: z₂", -EXTENT, EXTENT, 0.1, default=-0.6),
    Toggle("dots", "Show the held-out digits on the map", default=True),
]


def control_states(values: dict) -> dict[str, ControlState]:
    """Say which digit the chosen number is, next to its slider."""
    label = HELD_OUT.labels[values["example"] - 1]
    return {"example": ControlState(note=f"Held-out image {values['example']} is a {label}.")}


def png(pixels: np.ndarray) -> str:
    return "data:image/png;base64," + base64.b64encode(svg.png_bytes(pixels)).decode()


def tiled(images: np.ndarray) -> np.ndarray:
    """[rows, columns, 8, 8] -> one picture, a dark line of one pixel between the images."""
    rows, columns = images.shape[:2]
    out = np.full((rows * 9 - 1, columns * 9 - 1), 0.25)
    for r in range(rows):
        for c in range(columns):
            out[r * 9 : r * 9 + 8, c * 9 : c * 9 + 8] = images[r, c]
    return out


def opening(height: float, title: str, description: str, prefix: str, style: str = "") -> str:
    """An accessible SVG's first tag, title and description (text escaped), svg.WIDTH wide."""
    styled = f'style="{style}" ' if style else ""
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink" '
        f'viewBox="0 0 {svg.WIDTH:.0f} {height:.0f}" width="100%" role="img" {styled}'
        f'aria-labelledby="{prefix}-title {prefix}-desc" font-size="{svg.FONT}" '
        f'fill="currentColor" class="gc-svg"><title id="{prefix}-title">{escape(title)}</title>'
        f'<desc id="{prefix}-desc">{escape(description)}</desc>'
    )


def latent_map(
    mu: np.ndarray, log_var: np.ndarray, z: np.ndarray, point: np.ndarray, dots: bool, label: int
) -> str:
    """The decoded grid, the held-out μ as dots, the chosen image's ellipses, z and the point."""
    pad, size = 24.0, svg.WIDTH - 30.0
    height = pad + size + 30 + 2 * svg.LINE

    def xy(p: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        p = np.asarray(p, dtype=np.float64)
        return pad + (p[..., 0] + EXTENT) / (2 * EXTENT) * size, 6 + (EXTENT - p[..., 1]) / (
            2 * EXTENT
        ) * size

    parts = [
        opening(
            height,
            "The latent map of the trained VAE",
            f"Decoded digits on a {CELLS} by {CELLS} grid of z₁, z₂ from −3 to 3"
            f"{'; the held-out digits at their μ, coloured by digit' if dots else ''}; the chosen "
            f"{label} at μ = [{mu[0]:.2f}, {mu[1]:.2f}] with its 1σ and 2σ ellipses, the sample "
            f"z = [{z[0]:.2f}, {z[1]:.2f}] and the decoded point [{point[0]:.1f}, "
            f"{point[1]:.1f}].",
            "vae-map",
        )
        + f'<image xlink:href="{png(tiled(GRID))}" x="{pad}" y="6" width="{size}" '
        f'height="{size}" preserveAspectRatio="none" style="image-rendering:pixelated"/>'
    ]
    # axes: z₁ across, z₂ up
    for v in (-EXTENT, 0.0, EXTENT):
        x, _ = xy(np.array([v, 0.0]))
        _, y = xy(np.array([0.0, v]))
        anchor = {-EXTENT: "start", 0.0: "middle", EXTENT: "end"}[v]
        parts.append(
            f'<text x="{x:.1f}" y="{6 + size + 14:.1f}" text-anchor="{anchor}">{v:g}</text>'
            f'<text x="{pad - 4}" y="{y + 4:.1f}" text-anchor="end">{v:g}</text>'
        )
    parts.append(
        f'<text x="{pad + size / 2:.1f}" y="{6 + size + 28:.1f}" text-anchor="middle">z₁</text>'
        f'<text x="{pad - 4}" y="{6 + size / 2 - 16:.1f}" text-anchor="end">z₂</text>'
    )
    if dots:
        xs, ys = xy(MU)
        parts.append(
            "".join(
                f'<circle cx="{a:.1f}" cy="{b:.1f}" r="1.9" fill="{DIGIT_COLOURS[d]}" '
                f'stroke="#000" stroke-width="0.5"/>'
                for a, b, d in zip(xs, ys, HELD_OUT.labels, strict=True)
            )
        )
    for k, dash in ((1.0, ""), (2.0, ' stroke-dasharray="5 3"')):
        ex, ey = xy(vae.sigma_ellipse(mu, log_var, k))
        outline = " ".join(f"{a:.1f},{b:.1f}" for a, b in zip(ex, ey, strict=True))
        # a dark edge under the colour: the outline stays visible on white ink and black paper
        parts.append(
            f'<polygon points="{outline}" fill="none" stroke="#000" stroke-width="4"{dash}/>'
            f'<polygon points="{outline}" fill="none" stroke="{MARK}" stroke-width="2"{dash}>'
            f"<title>{k:g}σ ellipse of q(z | x)</title></polygon>"
        )
    # μ a filled dot, the sample z a ring
    mx, my = xy(np.asarray(mu))
    zx, zy = xy(np.asarray(z))
    parts.append(
        f'<circle cx="{mx:.1f}" cy="{my:.1f}" r="4" fill="{MARK}" stroke="#000" '
        f'stroke-width="1.5"><title>μ</title></circle>'
        f'<circle cx="{zx:.1f}" cy="{zy:.1f}" r="5" fill="none" stroke="#000" stroke-width="4"/>'
        f'<circle cx="{zx:.1f}" cy="{zy:.1f}" r="5" fill="none" stroke="{MARK}" '
        f'stroke-width="2"><title>z = μ + σ·ε</title></circle>'
    )
    cx, cy = xy(np.asarray(point))
    parts.append(
        f'<path d="M{cx - 6:.1f},{cy:.1f}H{cx + 6:.1f}M{cx:.1f},{cy - 6:.1f}V{cy + 6:.1f}" '
        f'stroke="#000" stroke-width="4"/><path d="M{cx - 6:.1f},{cy:.1f}H{cx + 6:.1f}'
        f'M{cx:.1f},{cy - 6:.1f}V{cy + 6:.1f}" stroke="#f0e442" stroke-width="2">'
        f"<title>decoded point</title></path>"
    )
    # the legend: what each colour and mark is
    legend_y = 6 + size + 30 + svg.FONT
    if dots:
        parts.append(f'<text x="4" y="{legend_y:.1f}">digits</text>')
        for d in range(10):
            lx = 52 + d * 22.5
            parts.append(
                f'<circle cx="{lx:.1f}" cy="{legend_y - 4:.1f}" r="4" fill="{DIGIT_COLOURS[d]}" '
                f'stroke="currentColor" stroke-width="0.8"/>'
                f'<text x="{lx + 6:.1f}" y="{legend_y:.1f}">{d}</text>'
            )
    marks_y = legend_y + svg.LINE
    parts.append(
        f'<circle cx="8" cy="{marks_y - 4:.1f}" r="4" fill="{MARK}" stroke="currentColor"/>'
        f'<text x="16" y="{marks_y:.1f}">μ, σ ellipses</text>'
        f'<circle cx="116" cy="{marks_y - 4:.1f}" r="4.5" fill="none" stroke="currentColor" '
        f'stroke-width="2"/>'
        f'<text x="124" y="{marks_y:.1f}">z = μ+σε</text>'
        f'<path d="M196,{marks_y - 4:.1f}h12M202,{marks_y - 10:.1f}v12" stroke="currentColor" '
        f'stroke-width="2"/><text x="212" y="{marks_y:.1f}">point</text>'
    )
    parts.append("</svg>")
    return "".join(parts)


def four_images(images: list[np.ndarray], names: list[str], description: str) -> str:
    """Images two by two, each with its name underneath."""
    side, gap = 112.0, 16.0
    left = (svg.WIDTH - 2 * side - gap) / 2
    row_h = side + svg.LINE + 8
    parts = [
        opening(
            2 * row_h,
            "The chosen digit, encoded, sampled and decoded",
            description,
            "vae-images",
        )
    ]
    for n, (image, name) in enumerate(zip(images, names, strict=True)):
        x, y = left + (n % 2) * (side + gap), (n // 2) * row_h
        parts.append(
            f'<image xlink:href="{png(image)}" x="{x:.1f}" y="{y:.1f}" width="{side:.0f}" '
            f'height="{side:.0f}" preserveAspectRatio="none" style="image-rendering:pixelated"/>'
            f'<text x="{x + side / 2:.1f}" y="{y + side + svg.LINE:.1f}" text-anchor="middle">'
            f"{escape(name)}</text>"
        )
    parts.append("</svg>")
    return "".join(parts)


def elbo_bars(rows: list[tuple[str, float, float]], description: str) -> str:
    """−ELBO as one bar per row: the reconstruction cost (−reconstruction term), then the KL."""
    left, right, bar_h, pitch = 4.0, svg.WIDTH - 4.0, 16.0, 44.0
    top = max(-recon + kl for _, recon, kl in rows)
    scale = (right - left) / top
    parts = [
        opening(
            len(rows) * pitch + 2 * svg.LINE,
            "−ELBO = reconstruction cost + KL, in nats",
            description,
            "vae-elbo",
            # a wide screen would blow its text up to three times the size: keep it near a phone's
            style="max-width:26rem;margin:0 auto",
        )
    ]
    for n, (name, recon, kl) in enumerate(rows):
        y = n * pitch + svg.FONT + 2
        w_recon, w_kl = -recon * scale, kl * scale
        parts.append(
            f'<text x="{left}" y="{y:.1f}">{escape(name)}: −ELBO = {kl - recon:.2f}</text>'
            f'<rect x="{left}" y="{y + 5:.1f}" width="{w_recon:.1f}" height="{bar_h}" '
            f'fill="{svg.SERIES[0]}"><title>reconstruction cost {-recon:.2f}</title></rect>'
            f'<rect x="{left + w_recon:.1f}" y="{y + 5:.1f}" width="{w_kl:.1f}" '
            f'height="{bar_h}" fill="{svg.SERIES[1]}"><title>KL {kl:.2f}</title></rect>'
        )
    legend_y = len(rows) * pitch + svg.FONT + 6
    parts.append(
        f'<rect x="{left}" y="{legend_y - 10}" width="10" height="10" fill="{svg.SERIES[0]}"/>'
        f'<text x="{left + 14}" y="{legend_y}">reconstruction cost</text>'
        f'<rect x="{left + 150}" y="{legend_y - 10}" width="10" height="10" '
        f'fill="{svg.SERIES[1]}"/><text x="{left + 164}" y="{legend_y}">KL</text></svg>'
    )
    return "".join(parts)


def render(example: int, seed: int, z1: float, z2: float, dots: bool) -> View:
    x, label = HELD_OUT.images[example - 1], int(HELD_OUT.labels[example - 1])
    mu, log_var = MU[example - 1], LOG_VAR[example - 1]
    sigma = vae.sigma(log_var)
    # DRAWS draws of ε; the first one is the sample shown
    rng = np.random.default_rng(seed)
    eps = rng.standard_normal((DRAWS, 2))
    # new digits: z drawn from the prior N(0, I), decoded
    new = vae.sample_images(MODEL, NEW_DIGITS, rng)
    z = vae.reparameterize(mu, log_var, eps[0])
    point = np.array([z1, z2])
    elbo, recon, kl = (float(t[0]) for t in vae.elbo(MODEL, x[None], eps[None]))
    one_draw = float(vae.reconstruction_term(MODEL, x, z))
    summary = (
        f"Held-out image {example}, a {label}: μ = [{mu[0]:.2f}, {mu[1]:.2f}], σ = "
        f"[{sigma[0]:.2f}, {sigma[1]:.2f}]; ELBO ≈ {elbo:.2f} nats = reconstruction "
        f"{recon:.2f} − KL {kl:.2f}."
    )
    names = ["original x", "decoded at μ", "decoded at z", f"at [{z1:.1f}, {z2:.1f}]"]
    images = [x, vae.decode(MODEL, mu), vae.decode(MODEL, z), vae.decode(MODEL, point)]
    return View(
        [
            Panel(
                "The latent map",
                latent_map(mu, log_var, z, point, dots, label),
                caption=f"μ = [{mu[0]:.2f}, {mu[1]:.2f}], σ = [{sigma[0]:.2f}, {sigma[1]:.2f}]; "
                f"z = μ + σ·ε = [{z[0]:.2f}, {z[1]:.2f}] with ε = [{eps[0, 0]:.2f}, "
                f"{eps[0, 1]:.2f}].",
            ),
            Panel(
                f"Held-out image {example} (a {label}), encoded and decoded",
                four_images(
                    images,
                    names,
                    f"The original {label}; the decoder's image at μ; at the sample z = "
                    f"[{z[0]:.2f}, {z[1]:.2f}]; and at the point [{z1:.1f}, {z2:.1f}].",
                ),
                alt=svg.data_table(
                    np.array([[mu[0], mu[1]], [sigma[0], sigma[1]], [z[0], z[1]], [z1, z2]]),
                    ["μ", "σ", "sampled z", "decoded point"],
                    ["z₁", "z₂"],
                    caption="Where each decoded image comes from",
                ),
            ),
            Panel(
                "The two terms of its ELBO",
                elbo_bars(
                    [
                        (f"this {label}", recon, kl),
                        ("held-out mean", HELD_OUT_MEAN["reconstruction"], HELD_OUT_MEAN["kl"]),
                    ],
                    summary,
                ),
                alt=svg.data_table(
                    np.array([[recon], [one_draw], [kl], [elbo]]),
                    [
                        f"reconstruction term (average of {DRAWS} draws)",
                        "log p(x | z) at the sample shown",
                        "KL(q(z | x) ‖ N(0, I))",
                        "ELBO",
                    ],
                    ["nats"],
                    caption="The ELBO of the chosen image",
                ),
                caption=f"ELBO = reconstruction − KL = {recon:.2f} − {kl:.2f} = {elbo:.2f} nats "
                f"(the reconstruction term averages log p(x | z) over {DRAWS} draws of z; at the "
                f"one shown it is {one_draw:.2f}).",
            ),
            Panel(
                "New digits: z drawn from N(0, I), decoded",
                svg.image(
                    tiled(new.reshape(2, NEW_DIGITS // 2, 8, 8)),
                    title="Digits generated from the prior",
                    description=f"{NEW_DIGITS} images the decoder draws for codes z taken at "
                    f"random from N(0, I) (seed {seed}); no image was encoded to make them.",
                    size=svg.WIDTH,
                    id_prefix="vae-new",
                ),
                caption="Change the seed for others. They look like digits because the KL term "
                "packed the training codes into the region N(0, I) draws from.",
            ),
        ],
        summary=summary,
    )


if __name__ == "__main__":
    print(render(5, 0, 1.2, -0.6, True).summary)
