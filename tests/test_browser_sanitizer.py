"""The page's cleaning of Python's markup (runtime.js, DOMPurify): every demo's figure goes through
it unchanged, and known ways round a sanitizer neither run nor survive it, with the page's
Content-Security-Policy switched off, so that the cleaning alone is what stops them."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest

from genai_course.demo import run_demo
from tests.conftest import ROOT, RequestLog, Server, open_context

pytestmark = pytest.mark.browser

PAGE = "topics/attention/"
DEMOS = sorted(p.stem for p in (ROOT / "demos").glob("*.py") if p.stem != "numpy_check")

# Each would run `hit(name)` (or open a dialog) if it got through; the names say which got through.
RUN = "parent.hit('{name}')"
BYPASSES = {
    "tab in scheme": '<svg><a xlink:href="java&#9;script:{run}"><text y="20">x</text></a></svg>',
    "entity scheme": '<svg><a href="&#106;avascript:{run}"><text y="20">x</text></a></svg>',
    "newline scheme": '<a href="jav&#x0A;ascript:{run}">x</a>',
    "animate href": '<svg><a><animate attributeName="href" to="javascript:{run}" dur="1ms" '
    'fill="freeze"/><text y="20">x</text></a></svg>',
    "set href": '<svg><a><set attributeName="href" to="javascript:{run}"/>'
    '<text y="20">x</text></a></svg>',
    "animate xlink:href": '<svg><a><animate attributeName="xlink:href" values="javascript:{run}" '
    'dur="1ms" fill="freeze"/><text y="20">x</text></a></svg>',
    "external use": '<svg><use href="http://evil.example/x.svg#x"/>'
    "<use xlink:href=\"data:image/svg+xml,&lt;svg id='x' onload='{run}'/&gt;#x\"/></svg>",
    "external image": '<svg><image href="http://evil.example/x.png"/></svg>'
    '<img src="http://evil.example/i.png"><img srcset="http://evil.example/j.png 1x">'
    '<video poster="http://evil.example/v.png"></video>',
    "external fill": '<svg><rect width="9" height="9" fill="url(http://evil.example/p.svg#g)" '
    "filter=\"url( 'http://evil.example/f.svg#f')\"/></svg>",
    "style element": "<svg><style>@import 'http://evil.example/x.css';"
    "rect{{background:url(http://evil.example/y)}}</style></svg>",
    "style attribute": '<svg><rect style="background-image:url(http://evil.example/z)"/>'
    "<rect style=\"background:image-set('http://evil.example/w' 1x)\"/></svg>",
    "foreignObject": '<svg><foreignObject><img src="x" onerror="{run}"></foreignObject></svg>',
    "iframe srcdoc": '<iframe srcdoc="&lt;script&gt;{run}&lt;/script&gt;"></iframe>',
    "img onerror": '<img src="x" onerror="{run}">',
    "svg onload": '<svg onload="{run}"><circle r="1"/></svg>',
    "svg script": "<svg><script>{run}</script></svg>",
    "form action": '<form action="javascript:{run}"><button>go</button></form>'
    '<button form="f" formaction="javascript:{run}">go</button>'
    '<input type="image" src="x" formaction="javascript:{run}" onerror="{run}">',
    "math mglyph": "<math><mtext><table><mglyph><style><img src=x onerror={run}>",
    "math style": '<math><mi xlink:href="javascript:{run}">x</mi><style><img src=x onerror="{run}">'
    "</style></math>",
    "svg p style": '<svg></p><style><a id="</style><img src=1 onerror={run}>">',
    "form math": "<form><math><mtext></form><form><mglyph><style></math><img src onerror={run}>",
    "noscript title": '<noscript><p title="</noscript><img src=x onerror={run}>">',
    "details ontoggle": '<details open ontoggle="{run}"><summary>x</summary></details>',
    "object data": '<object data="javascript:{run}"></object><embed src="javascript:{run}">',
    "meta refresh": '<meta http-equiv="refresh" content="0;url=javascript:{run}">',
    "base href": '<base href="javascript:{run}//">',
}
# What must not be left of them: elements, attribute names, and words in attribute values (after
# the browser's decoding, with whitespace and control characters taken out)
DANGEROUS_TAGS = {
    "script", "style", "foreignobject", "iframe", "object", "embed", "form", "math", "animate",
    "set", "use", "meta", "base", "link", "mglyph", "noscript", "button", "input",
}  # fmt: skip
DANGEROUS_VALUES = ("javascript:", "evil", "url(http", "image-set")

# Walk what the page's cleaning returns: tags, attributes and values that should not be there
LEFT_OVER = """([html, tags, values]) => {
  const fragment = window.genaiCourse.cleaned(html);
  const found = [];
  const all = [...fragment.querySelectorAll('*')];
  for (const node of all) {
    const tag = node.localName.toLowerCase();
    if (tags.includes(tag)) found.push(`<${tag}>`);
    for (const attr of node.attributes) {
      const value = attr.value.replace(/[\\s\\u0000-\\u001f]/g, '').toLowerCase();
      if (/^on|formaction|srcdoc|^action$/i.test(attr.name)) found.push(`${tag} ${attr.name}`);
      if (attr.name.toLowerCase() === 'attributename' && /href/i.test(attr.value))
        found.push(`${tag} attributeName=${attr.value}`);
      for (const word of values)
        if (value.includes(word)) found.push(`${tag} ${attr.name}=${attr.value}`);
    }
  }
  return found;
}"""

# Put markup into the page (cleaned or not), click its links and buttons, and resolve once a
# control that does run (a raw image's onerror and link, put in after it) has run: by then the
# markup's own handlers and links have had their turn.
INSERT_AND_TRIGGER = """async ([html, clean, control]) => {
  const box = document.createElement('div');
  box.className = 'gc-sanitizer-test';
  document.body.append(box);
  const raw = (markup) => document.createRange().createContextualFragment(markup);
  box.append(clean ? window.genaiCourse.cleaned(html) : raw(html));
  const click = (node) =>
    node.dispatchEvent(new MouseEvent('click', { bubbles: true, cancelable: true }));
  const trigger = (root) => root.querySelectorAll('a, button, [href]').forEach(click);
  await new Promise((resolve) => requestAnimationFrame(() => requestAnimationFrame(resolve)));
  trigger(box);
  const after = document.createElement('div');
  document.body.append(after);
  const done = Promise.all([
    new Promise((resolve) => (window.controlImage = resolve)),
    new Promise((resolve) => (window.controlLink = resolve)),
  ]);
  after.append(raw(control));
  trigger(after);
  await done;
  await new Promise((resolve) => setTimeout(resolve, 0));
  box.remove();
  after.remove();
}"""
# an image's onerror and a link that do run, put in after the markup tried
CONTROL = (
    '<img src="x" onerror="parent.hit(\'control image\'); controlImage()">'
    "<a href=\"javascript:parent.hit('control link'); controlLink()\">control</a>"
)


def payload(name: str) -> str:
    """The bypass `name`, reporting itself by its name if it runs."""
    return BYPASSES[name].format(run=RUN.format(name=name.replace(" ", "-")))


def open_course_page(page: object, server: Server) -> None:
    page.goto(server.url + PAGE)  # type: ignore[attr-defined]
    page.wait_for_function("() => window.genaiCourse && window.genaiCourse.cleaned")  # type: ignore[attr-defined]


@pytest.fixture
def no_csp_page(browser: object) -> Iterator[tuple[object, list[str], list[str]]]:
    """A page of the course with its CSP not enforced; the names of what ran, and the dialogs."""
    log = RequestLog()
    context = open_context(browser, log, bypass_csp=True)
    page = context.new_page()  # type: ignore[attr-defined]
    page.set_default_timeout(60_000)
    ran: list[str] = []
    dialogs: list[str] = []
    page.expose_function("hit", lambda name: ran.append(name))  # type: ignore[attr-defined]

    def dismiss(dialog: object) -> None:
        dialogs.append(dialog.message)  # type: ignore[attr-defined]
        dialog.dismiss()  # type: ignore[attr-defined]

    page.on("dialog", dismiss)  # type: ignore[attr-defined]
    yield page, ran, dialogs
    context.close()  # type: ignore[attr-defined]
    # nothing was fetched from outside: the cleaned markup has no external reference
    assert not log.outside, f"requests left the site's origin: {log.outside}"


def test_every_demos_figure_goes_through_the_cleaning_unchanged(
    page: object, server: Server
) -> None:
    open_course_page(page, server)
    compare = """(html) => {
      const parsed = document.createElement('div');
      const doc = new DOMParser().parseFromString(`<body>${html}</body>`, 'text/html');
      parsed.append(...doc.body.childNodes);
      const cleaned = document.createElement('div');
      cleaned.append(window.genaiCourse.cleaned(html));
      return [parsed.innerHTML, cleaned.innerHTML];
    }"""
    for demo in DEMOS:
        source = (ROOT / "demos" / f"{demo}.py").read_text()
        result = json.loads(run_demo(source, demo, {}))
        assert result["ok"], demo
        parsed, cleaned = page.evaluate(compare, result["html"])  # type: ignore[attr-defined]
        assert "<svg" in parsed or "<table" in parsed, demo
        assert cleaned == parsed, demo


def test_the_harness_sees_what_runs_without_the_cleaning(
    no_csp_page: tuple[object, list[str], list[str]], server: Server
) -> None:
    page, ran, _ = no_csp_page
    open_course_page(page, server)
    markup = "".join(
        payload(name)
        for name in ("tab in scheme", "img onerror", "entity scheme", "details ontoggle")
    )
    page.evaluate(INSERT_AND_TRIGGER, [markup, False, CONTROL])  # type: ignore[attr-defined]
    # with no CSP and no cleaning they run: the check below would see a bypass that works
    assert {"tab-in-scheme", "img-onerror", "entity-scheme", "details-ontoggle"} <= set(ran)


def test_known_bypasses_neither_run_nor_survive_the_cleaning_without_csp(
    no_csp_page: tuple[object, list[str], list[str]], server: Server
) -> None:
    page, ran, dialogs = no_csp_page
    open_course_page(page, server)
    left = {}
    for name, template in BYPASSES.items():
        markup = payload(name)
        found = page.evaluate(LEFT_OVER, [markup, sorted(DANGEROUS_TAGS), list(DANGEROUS_VALUES)])  # type: ignore[attr-defined]
        if found:
            left[name] = found
        # and the classic form, with a dialog
        page.evaluate(INSERT_AND_TRIGGER, [markup, True, CONTROL])  # type: ignore[attr-defined]
        page.evaluate(  # type: ignore[attr-defined]
            INSERT_AND_TRIGGER, [template.format(run="alert(1)"), True, CONTROL]
        )
    assert left == {}
    assert [name for name in ran if not name.startswith("control")] == []
    assert ran.count("control link") == ran.count("control image") == 2 * len(BYPASSES)
    assert dialogs == []


def test_without_the_sanitizer_no_markup_goes_in(page: object, server: Server) -> None:
    page.route("**/vendor/dompurify/purify.min.js", lambda route: route.abort())  # type: ignore[attr-defined]
    open_course_page(page, server)
    shown = page.evaluate(  # type: ignore[attr-defined]
        """() => { const box = document.createElement('div');
             box.append(window.genaiCourse.cleaned('<svg><rect width="9" height="9"/></svg>'));
             return [box.children.length, box.textContent]; }"""
    )
    assert shown == [0, "The figure cannot be shown: the page's sanitizer did not load."]
