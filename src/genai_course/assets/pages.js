// Small behaviours of the data-driven pages: quiz feedback and resource filters. No maths, and
// every text shown comes from the page itself (the build wrote it), set with textContent.
(function () {
  "use strict";

  // A quiz answers on the learner's choice only: a click or tap, Space or Enter. The arrow keys
  // move the checked option in a radio group (the browser checks each option passed), which is
  // moving, not choosing: it neither shows feedback nor records an answer. The explanation of the
  // chosen option is shown once, in the feedback ("Right. …"); each option's .gc-why stays hidden
  // and is its source. An answer is announced to the page as "gc-quiz-answer" (exercises.js keeps
  // it in this browser).
  function mountQuizzes(root) {
    root.querySelectorAll(".gc-question").forEach((question) => {
      const feedback = question.querySelector(".gc-feedback");
      let moving = false;
      let shown = null;
      const answer = (choice) => {
        if (shown === choice.value) return;
        shown = choice.value;
        const why = question.querySelector(`.gc-why[data-option="${CSS.escape(choice.value)}"]`);
        const right = choice.dataset.correct === "true";
        question.dataset.answered = right ? "right" : "wrong";
        feedback.textContent = (right ? "Right. " : "Not quite. ") + (why ? why.textContent : "");
        question.dispatchEvent(
          new CustomEvent("gc-quiz-answer", { bubbles: true, detail: { answer: Number(choice.value), right } })
        );
      };
      question.addEventListener("keydown", (event) => {
        if (event.target.type !== "radio") return;
        if (event.key.startsWith("Arrow")) moving = true;
        else if (event.key === "Enter") {
          event.preventDefault();
          event.target.checked = true;
          answer(event.target);
        }
      });
      question.addEventListener("keyup", (event) => {
        if (event.key.startsWith("Arrow")) moving = false;
        // Space on the option that is already checked (after the arrows) fires no change
        else if (event.key === " " && event.target.type === "radio" && event.target.checked) answer(event.target);
      });
      question.addEventListener("pointerdown", () => (moving = false));
      question.addEventListener("change", (event) => {
        const choice = event.target;
        if (choice.type !== "radio") return;
        if (!moving) {
          answer(choice);
          return;
        }
        shown = null;
        delete question.dataset.answered;
        feedback.textContent = "Press Space or Enter to answer with this option.";
      });
      // with the script running, the feedback replaces the "show the answer" fallback
      const fallback = question.querySelector(".gc-answer");
      if (fallback) fallback.hidden = true;
    });
  }

  function mountFilters(root) {
    const form = root.querySelector(".gc-filters");
    if (!form) return;
    form.hidden = false;
    const count = form.querySelector(".gc-filter-count");
    const apply = () => {
      const kind = form.elements.kind.value;
      const topic = form.elements.topic.value;
      let shown = 0;
      root.querySelectorAll(".gc-resources li").forEach((item) => {
        const visible =
          (!kind || item.dataset.kind === kind) &&
          (!topic || item.dataset.topics.split(" ").includes(topic));
        item.hidden = !visible;
        if (visible) shown += 1;
      });
      root.querySelectorAll(".gc-resource-group").forEach((group) => {
        group.hidden = !group.querySelector("li:not([hidden])");
      });
      count.textContent = `${shown} resource${shown === 1 ? "" : "s"} shown.`;
    };
    form.addEventListener("change", apply);
    apply();
  }

  // The theme's search dialog has no accessible name; give it one.
  function nameSearchDialog() {
    const dialog = document.querySelector(".md-search[role='dialog']");
    if (dialog && !dialog.hasAttribute("aria-label")) dialog.setAttribute("aria-label", "Search");
  }

  // A wide table or formula scrolls sideways inside its own box on a phone; one that does must be
  // reachable from the keyboard (focusable, with a name), or its hidden part cannot be read.
  const SCROLLERS = ".md-typeset__scrollwrap, div.arithmatex, .gc-alt, .gc-output";

  function labelScrollables() {
    const counts = {};
    document.querySelectorAll(SCROLLERS).forEach((box) => {
      // a formula's box clips what juts out above or below it (overflow-y: hidden), which does
      // not make it scroll
      const scrolls = box.scrollWidth > box.clientWidth + 1 ||
        (box.scrollHeight > box.clientHeight + 1 && getComputedStyle(box).overflowY !== "hidden");
      const ours = box.dataset.gcScroll !== undefined;
      if (scrolls && (ours || !box.hasAttribute("tabindex"))) {
        box.dataset.gcScroll = "";
        box.tabIndex = 0;
        box.setAttribute("role", "region");
        // each region's name is unique on the page: "Table 2, scrollable"
        const what = box.querySelector("table") ? "Table" : box.matches("div.arithmatex") ? "Formula" : "Output";
        counts[what] = (counts[what] || 0) + 1;
        box.setAttribute("aria-label", `${what} ${counts[what]}, scrollable`);
      } else if (!scrolls && ours) {
        delete box.dataset.gcScroll;
        ["tabindex", "role", "aria-label"].forEach((name) => box.removeAttribute(name));
      }
    });
  }

  let resizing = 0;
  window.addEventListener("resize", () => {
    clearTimeout(resizing);
    resizing = setTimeout(labelScrollables, 200);
  });
  // a "show the data as text" table opened, or a demo's figure and tables redrawn
  document.addEventListener("toggle", () => labelScrollables(), true);

  // Measuring the boxes forces a layout: done in a task of its own once the page's start-up is
  // over (inside the theme's start-up task it added 15-50 ms to a task of 100-250 ms on a demo
  // page), and again when the fonts have loaded (they change widths).
  function labelScrollablesSoon() {
    const later = window.requestIdleCallback
      ? (fn, options) => window.requestIdleCallback(fn, options)
      : (fn) => setTimeout(fn, 50);
    later(() => {
      labelScrollables();
      if (document.fonts) document.fonts.ready.then(labelScrollables);
    }, { timeout: 500 });
  }

  function mount() {
    nameSearchDialog();
    mountQuizzes(document);
    mountFilters(document);
    labelScrollablesSoon();
  }

  if (window.document$ && typeof window.document$.subscribe === "function") {
    window.document$.subscribe(mount);
  } else {
    document.addEventListener("DOMContentLoaded", mount);
  }
})();
