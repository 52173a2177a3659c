// The course's code editor: CodeMirror 6 over a <textarea> that stays the source of truth.
//
// Bundled by esbuild into one IIFE script (vendor/codemirror/editor.js) when the site is built;
// see src/genai_course/plugin/editor.py. It defines
//
//   window.genaiCourseEditor.attach(textarea, { onRun, label })
//     -> { view, focus(), setValue(text), destroy() }
//
// The textarea is hidden but kept: every edit is copied into its `.value` and an `input` event is
// dispatched on it, so code that reads `textarea.value` and listens for `input` works unchanged.
// `setValue` replaces the text of both, like assigning `textarea.value` (no `input` event).
// Colours are the theme's own CSS variables, so they follow Material's light/dark switch at once.
import { Annotation, Compartment, EditorState, Prec } from "@codemirror/state";
import {
  EditorView,
  drawSelection,
  highlightActiveLine,
  highlightActiveLineGutter,
  highlightSpecialChars,
  keymap,
  lineNumbers,
} from "@codemirror/view";
import { defaultKeymap, history, historyKeymap, indentWithTab } from "@codemirror/commands";
import {
  HighlightStyle,
  bracketMatching,
  indentOnInput,
  indentUnit,
  syntaxHighlighting,
} from "@codemirror/language";
import { closeBrackets, closeBracketsKeymap } from "@codemirror/autocomplete";
import { python } from "@codemirror/lang-python";
import { tags } from "@lezer/highlight";

const NOTE = "Tab indents; press Esc then Tab to leave the editor.";

// Material's variables for highlighted code, the same as the site's code blocks use; its muted
// grey (comments, operators, punctuation) is 4.47:1 on the light code background, below the 4.5:1
// of WCAG AA, so comments are the code's colour made quieter and operators keep the code's colour
const v = (name) => `var(--md-code-hl-${name}-color)`;
const highlight = HighlightStyle.define([
  { tag: tags.keyword, color: v("keyword") },
  { tag: [tags.controlKeyword, tags.definitionKeyword, tags.moduleKeyword], color: v("keyword") },
  { tag: [tags.string, tags.special(tags.string)], color: v("string") },
  { tag: tags.number, color: v("number") },
  { tag: [tags.bool, tags.null], color: v("constant") },
  { tag: tags.comment, class: "gc-cm-comment" },
  { tag: [tags.function(tags.variableName), tags.function(tags.propertyName)], color: v("function") },
  { tag: tags.definition(tags.variableName), color: v("name") },
  { tag: [tags.className, tags.definition(tags.className)], color: v("constant") },
  { tag: [tags.self, tags.special(tags.variableName)], color: v("special") },
  { tag: tags.operatorKeyword, color: v("keyword") },
  { tag: tags.meta, color: v("special") },
  { tag: tags.invalid, color: v("special"), textDecoration: "underline wavy" },
]);

const theme = EditorView.theme({
  "&": {
    color: "var(--md-code-fg-color)",
    backgroundColor: "var(--md-code-bg-color)",
    border: "1px solid var(--md-default-fg-color--lighter)",
    borderRadius: "0.1rem",
    fontSize: "0.72rem",
    marginTop: "0.4rem",
    // never wider than its column: long lines scroll inside the editor, not the page
    maxWidth: "100%",
    maxHeight: "min(36rem, 75vh)",
  },
  ".gc-cm-comment": { fontStyle: "italic", opacity: "0.8" },
  // the theme's accent is a deep orange, which reads as an error on code that passed: a neutral
  // ring in the primary colour instead (course.css, --gc-focus-ring, light and dark)
  "&.cm-focused": {
    outline: "2px solid var(--gc-focus-ring, var(--md-primary-fg-color))",
    outlineOffset: "1px",
  },
  ".cm-scroller": {
    fontFamily: "var(--md-code-font-family, monospace)",
    lineHeight: "1.45",
    overflow: "auto",
  },
  ".cm-content": { caretColor: "var(--md-code-fg-color)", padding: "0.4rem 0" },
  ".cm-cursor, .cm-dropCursor": { borderLeftColor: "var(--md-code-fg-color)", borderLeftWidth: "2px" },
  ".cm-gutters": {
    backgroundColor: "var(--md-code-bg-color)",
    color: "var(--md-code-fg-color)",
    borderRight: "1px solid var(--md-default-fg-color--lightest)",
  },
  // quieter than the code, still above 4.5:1 in both schemes
  ".cm-gutterElement": { opacity: "0.8" },
  // the current line is marked in the gutter only: a tinted line would take the highlighted
  // code (keywords, strings) below 4.5:1
  ".cm-activeLine": { backgroundColor: "transparent" },
  ".cm-activeLineGutter": { backgroundColor: "var(--md-code-hl-color--light)" },
  ".cm-activeLineGutter.cm-gutterElement": { opacity: "1" },
  // the theme's highlight colour is opaque: the selection, drawn under the text, takes a third
  "&.cm-focused > .cm-scroller > .cm-selectionLayer .cm-selectionBackground, .cm-selectionBackground, .cm-content ::selection":
    { backgroundColor: "color-mix(in srgb, var(--md-code-hl-color) 30%, transparent)" },
  "&.cm-focused .cm-matchingBracket": {
    backgroundColor: "color-mix(in srgb, var(--md-code-hl-color) 20%, transparent)",
    outline: "1px solid var(--md-code-fg-color)",
  },
  "&.cm-focused .cm-nonmatchingBracket": { outline: "1px solid var(--md-code-hl-special-color)" },
});

// ---- light and dark: the colours are variables; CodeMirror's own base theme follows the flag ----

const schemeCompartment = new Compartment();
const live = new Map(); // view -> its handle

function isDark() {
  return document.body.getAttribute("data-md-color-scheme") === "slate";
}

let observer = null;
function watchScheme() {
  if (observer) return;
  observer = new MutationObserver(() => {
    const dark = isDark();
    for (const view of live.keys()) {
      view.dispatch({ effects: schemeCompartment.reconfigure(EditorView.darkTheme.of(dark)) });
    }
  });
  observer.observe(document.body, { attributes: true, attributeFilter: ["data-md-color-scheme"] });
}

// ---- attaching to a textarea ---------------------------------------------------------------

const programmatic = Annotation.define();
const attached = new WeakMap();
let noteCount = 0;

function labelOf(textarea) {
  const label = textarea.labels && textarea.labels[0];
  return (
    (label && label.textContent.trim()) ||
    textarea.getAttribute("aria-label") ||
    "Python code"
  );
}

// Material's instant navigation replaces the page without telling anyone: the editors of the
// page that went are destroyed when the next one attaches, so their listeners go with them.
// Only editors once seen in the document: one attached in a fragment not yet inserted stays.
const seen = new WeakSet();
function forgetDetached() {
  for (const [view, handle] of live) {
    if (view.dom.isConnected) seen.add(view);
    else if (seen.has(view)) handle.destroy();
  }
}

function attach(textarea, options = {}) {
  if (attached.has(textarea)) return attached.get(textarea);
  forgetDetached();
  const onRun = options.onRun || (() => {});
  const label = options.label || labelOf(textarea);

  const note = document.createElement("p");
  note.className = "gc-editor-note";
  note.id = `gc-editor-note-${++noteCount}`;
  note.textContent = NOTE;

  const sync = EditorView.updateListener.of((update) => {
    if (!update.docChanged) return;
    textarea.value = update.state.doc.toString();
    if (!update.transactions.some((tr) => tr.annotation(programmatic))) {
      textarea.dispatchEvent(new Event("input", { bubbles: true }));
    }
  });

  const run = Prec.highest(
    keymap.of([
      {
        key: "Mod-Enter",
        run: () => {
          onRun();
          return true;
        },
      },
    ])
  );

  const view = new EditorView({
    state: EditorState.create({
      doc: textarea.value,
      extensions: [
        run,
        lineNumbers(),
        highlightActiveLineGutter(),
        highlightSpecialChars(),
        history(),
        drawSelection(),
        indentOnInput(),
        bracketMatching(),
        closeBrackets(),
        highlightActiveLine(),
        python(),
        indentUnit.of("    "),
        EditorState.tabSize.of(4),
        syntaxHighlighting(highlight),
        theme,
        schemeCompartment.of(EditorView.darkTheme.of(isDark())),
        keymap.of([...closeBracketsKeymap, ...defaultKeymap, ...historyKeymap, indentWithTab]),
        EditorView.contentAttributes.of({
          "aria-label": label,
          "aria-describedby": note.id,
          // the scrolling region has focusable content for every checker, not only browsers
          tabindex: "0",
          autocapitalize: "off",
          autocorrect: "off",
          spellcheck: "false",
        }),
        sync,
      ],
    }),
  });

  textarea.after(view.dom, note);
  const shownAs = textarea.style.display;
  textarea.style.display = "none";
  watchScheme();

  // an editor made inside a closed <details> has nothing to measure until it opens
  const details = textarea.closest("details");
  const onToggle = () => {
    if (details.open) view.requestMeasure();
  };
  if (details) details.addEventListener("toggle", onToggle);

  const handle = {
    view,
    focus() {
      view.focus();
    },
    setValue(text) {
      view.dispatch({
        changes: { from: 0, to: view.state.doc.length, insert: String(text) },
        annotations: programmatic.of(true),
      });
      textarea.value = String(text);
    },
    destroy() {
      if (details) details.removeEventListener("toggle", onToggle);
      live.delete(view);
      view.destroy();
      view.dom.remove();
      note.remove();
      textarea.style.display = shownAs;
      attached.delete(textarea);
    },
  };
  attached.set(textarea, handle);
  live.set(view, handle);
  if (view.dom.isConnected) seen.add(view);
  return handle;
}

window.genaiCourseEditor = { attach };
