// Typeset the maths of each page with the site's own Temml, on a site built without Node.js (the
// build typesets them otherwise, plugin/maths.py, with the same options). arithmatex marks each
// formula as \( \) in a <span class="arithmatex"> or \[ \] in a <div class="arithmatex">; each
// becomes the <math> element in the marked one, as the build leaves it.
(function () {
  "use strict";
  const OPTIONS = { annotate: false, throwOnError: false };
  function typeset(root) {
    if (!window.temml) return;
    root.querySelectorAll(".arithmatex").forEach((marked) => {
      const source = marked.textContent.trim();
      const displayMode = marked.tagName === "DIV";
      const [left, right] = displayMode ? ["\\[", "\\]"] : ["\\(", "\\)"];
      if (!source.startsWith(left) || !source.endsWith(right)) return;
      window.temml.render(source.slice(2, -2), marked, { ...OPTIONS, displayMode });
    });
  }
  if (window.document$ && typeof window.document$.subscribe === "function") {
    window.document$.subscribe(({ body }) => typeset(body));
  } else {
    document.addEventListener("DOMContentLoaded", () => typeset(document.body));
  }
})();
