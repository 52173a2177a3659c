"""A GAN draws digits: a generator G, trained against a discriminator D, turns noise z into images.

G was trained (Goodfellow et al. 2014) on the 1,438 training digits, 8×8 pixels each. Every image
here is new: a seed draws 16 vectors z from N(0, I) (16 numbers each) and G maps each to a digit.
A GAN has no encoder, so a real digit has no z to look up; but two seeds give two z, and the walk
between them shows G changing one digit into another. The last panels go back in time: the same
16 z fed to G at several steps of its training, and the losses of the contest.
"""

import numpy as np

from genai_course import gan, svg
from genai_course.demo import Choice, ControlState, Number, Panel, Slider, View

MODEL = gan.load_model()
WALK_STEPS = 8
CHECKPOINTS = len(MODEL.checkpoint_steps)
# the loss table lists about eight of the evaluated steps
EVERY = slice(None, None, max(1, len(MODEL.curve_steps) // 8))
# 16 images less varied than this share of the held-out digits' variety look like one image
COLLAPSED = 0.5

CONTROLS = [
    Number("seed", "Random seed for the 16 samples", 0, 2**32 - 1, default=0, integer=True),
    Number("seed_a", "Walk: seed of the start z₀", 0, 2**32 - 1, default=5, integer=True),
    Number("seed_b", "Walk: seed of the end z₁", 0, 2**32 - 1, default=18, integer=True),
    Choice(
        "path",
        "Walk along",
        (("line", "a straight line"), ("slerp", "a great circle (slerp)")),
        default="line",
    ),
    Slider("checkpoint", "Training: checkpoint", 1, CHECKPOINTS, 1, default=CHECKPOINTS),
]


def control_states(values: dict) -> dict[str, ControlState]:
    """Two equal seeds give one z: the walk stands still, whichever path it takes."""
    if values["seed_a"] != values["seed_b"]:
        return {}
    return {"path": ControlState(note="Both ends are the same z: the walk stands still.")}


def readings(labels: np.ndarray) -> str:
    """'10× 5, 6× 8': how many of the images the classifier reads as each digit, most first."""
    # bincount takes the platform's own integers (32-bit in the page's Pyodide)
    counts = np.bincount(labels.astype(np.intp), minlength=10)
    order = sorted(range(10), key=lambda d: (-counts[d], d))
    # a no-break space keeps each count with its digit when the caption wraps
    return ", ".join(f"{counts[d]}×\u00a0{d}" for d in order if counts[d])


def render(seed: int, seed_a: int, seed_b: int, path: str, checkpoint: int) -> View:
    samples = gan.sample_images(MODEL, 16, np.random.default_rng(seed))

    z_0 = gan.latents(MODEL, 1, np.random.default_rng(seed_a))[0]
    z_1 = gan.latents(MODEL, 1, np.random.default_rng(seed_b))[0]
    t = np.linspace(0.0, 1.0, WALK_STEPS)
    walk = (gan.slerp if path == "slerp" else gan.interpolate)(z_0, z_1, t)  # [steps, d_z]
    walked = gan.to_pixels(gan.G(MODEL, walk))
    norms = np.linalg.norm(walk, axis=1)
    how = "great circle" if path == "slerp" else "straight line"

    c = checkpoint - 1
    step = int(MODEL.checkpoint_steps[c])
    total = int(MODEL.checkpoint_steps[-1])
    past = MODEL.checkpoint_samples[c] / 255.0
    at = int(np.searchsorted(MODEL.curve_steps, step))
    d_loss, g_loss = float(MODEL.curve_d_loss[at]), float(MODEL.curve_g_loss[at])
    accuracy = float(MODEL.curve_d_accuracy[at])
    read = readings(MODEL.checkpoint_labels[c])
    variety = gan.variety(past)
    if step == 0:
        remark = (
            " G is untrained: faint noise, whatever z is (the classifier must still name a digit)."
        )
    elif variety < COLLAPSED * MODEL.heldout_variety:
        remark = " Nearly one image whatever z is: the generator has collapsed onto one mode."
    else:
        remark = ""

    summary = (
        f"16 new digits from seed {seed}; a walk of {WALK_STEPS} steps along the {how} from "
        f"seed {seed_a} to seed {seed_b}; at training step {step} of {total} the classifier "
        f"reads the 16 fixed z as {read}."
    )
    walk_text = (
        f"|z| along the walk: {' → '.join(f'{n:.1f}' for n in norms)}. Draws from the prior "
        f"have |z| near √{MODEL.d_z} = {np.sqrt(MODEL.d_z):.0f}."
    )
    return View(
        [
            Panel(
                f"16 new digits (seed {seed})",
                svg.image(
                    gan.mosaic(samples, 4),
                    title=f"Sixteen generated digits, seed {seed}",
                    description="Each image is G(z) for one z drawn from N(0, I); none is a "
                    "training image.",
                    size=240,
                    id_prefix="gan-samples",
                ),
                caption="G(z) for 16 vectors z drawn with this seed.",
            ),
            Panel(
                f"A walk from z₀ (seed {seed_a}) to z₁ (seed {seed_b})",
                svg.image(
                    gan.mosaic(walked, WALK_STEPS),
                    title=f"Walk along the {how} between two latent vectors",
                    description=f"{WALK_STEPS} images, left to right, from G(z₀) to G(z₁). "
                    + walk_text,
                    size=280,
                    id_prefix="gan-walk",
                ),
                caption=walk_text,
            ),
            Panel(
                f"During training: step {step} of {total}",
                svg.image(
                    gan.mosaic(past, 4),
                    title=f"The generator's images of 16 fixed z at step {step}",
                    description=f"The same 16 z at every checkpoint. The classifier reads them "
                    f"as {read}.",
                    size=240,
                    id_prefix="gan-checkpoint",
                ),
                caption=f"The same 16 z at every checkpoint. Mean pixel difference between two "
                f"of them: {variety:.2f} (two real digits: {MODEL.heldout_variety:.2f}).{remark} "
                f"A classifier trained on real digits reads them as: {read}. Held-out losses "
                f"here: D {d_loss:.2f}, G {g_loss:.2f}; D right {accuracy:.0%} of the time.",
            ),
            Panel(
                "The contest: losses on held-out digits",
                svg.line_chart(
                    MODEL.curve_steps,
                    {"D loss": MODEL.curve_d_loss, "G loss": MODEL.curve_g_loss},
                    title="Discriminator and generator loss over training",
                    description="D's loss on held-out real digits and on G's images, and G's "
                    "loss −log D(G(z)). If D could not tell them apart at all (D = ½ "
                    "everywhere), D's loss would be 2 ln 2 ≈ 1.39 and G's ln 2 ≈ 0.69.",
                    x_label="training step",
                    y_label="loss",
                    id_prefix="gan-losses",
                ),
                alt=svg.data_table(
                    np.array([MODEL.curve_d_loss, MODEL.curve_g_loss, MODEL.curve_d_accuracy])[
                        :, EVERY
                    ],
                    ["D loss", "G loss", "D accuracy"],
                    [str(s) for s in MODEL.curve_steps[EVERY]],
                    caption="Held-out losses by training step",
                ),
            ),
        ],
        summary=summary,
    )


if __name__ == "__main__":
    print(render(0, 5, 18, "line", CHECKPOINTS).summary)
