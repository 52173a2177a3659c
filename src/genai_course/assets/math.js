// Typeset the maths of each page (arithmatex marks it as \( \) and \[ \]) with the site's own KaTeX.
(function () {
  "use strict";
  function typeset(root) {
    if (typeof window.renderMathInElement !== "function") return;
    window.renderMathInElement(root, {
      delimiters: [
        { left: "\\(", right: "\\)", display: false },
        { left: "\\[", right: "\\]", display: true },
      ],
      throwOnError: false,
    });
  }
  if (window.document$ && typeof window.document$.subscribe === "function") {
    window.document$.subscribe(({ body }) => typeset(body));
  } else {
    document.addEventListener("DOMContentLoaded", () => typeset(document.body));
  }
})();
