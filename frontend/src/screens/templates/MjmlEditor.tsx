// The MJML source in CodeMirror 6: XML highlighting and MJML element completion, line numbers,
// problems underlined with their message, Herald's refusal marked on its line. Tab indents;
// Escape then Tab leaves the editor (CodeMirror's focus escape), so keyboard users are never
// trapped.
import { indentWithTab } from "@codemirror/commands";
import { xml } from "@codemirror/lang-xml";
import { HighlightStyle, syntaxHighlighting } from "@codemirror/language";
import { tags } from "@lezer/highlight";
import { setDiagnostics, type Diagnostic } from "@codemirror/lint";
import { EditorState, StateEffect, StateField, type Extension } from "@codemirror/state";
import { Decoration, EditorView, keymap, type DecorationSet } from "@codemirror/view";
import { basicSetup } from "codemirror";
import { useEffect, useRef } from "react";
import { indexOf, type SourcePosition } from "./preview";

export interface EditorProblem {
  message: string;
  position: SourcePosition | null;
  severity: "error" | "warning";
}

const MJML_ELEMENTS = [
  "mjml", "mj-head", "mj-body", "mj-attributes", "mj-all", "mj-class", "mj-breakpoint", "mj-preview",
  "mj-style", "mj-title", "mj-section", "mj-wrapper", "mj-group", "mj-column", "mj-text", "mj-button",
  "mj-image", "mj-divider", "mj-spacer", "mj-table", "mj-raw", "mj-hero", "mj-navbar", "mj-navbar-link",
  "mj-social", "mj-social-element", "mj-accordion", "mj-accordion-element", "mj-carousel", "mj-carousel-image",
].map((name) => ({ name }));

/** Token colours with at least 4.5:1 contrast on white and on the active line's tint. */
const HIGHLIGHT = HighlightStyle.define([
  { tag: [tags.tagName, tags.angleBracket], color: "#0a5c46" },
  { tag: tags.attributeName, color: "#7a3d00" },
  { tag: [tags.attributeValue, tags.string], color: "#a01818" },
  { tag: tags.comment, color: "#4f5661", fontStyle: "italic" },
  { tag: [tags.processingInstruction, tags.documentMeta, tags.meta], color: "#5a3d8a" },
  { tag: tags.invalid, color: "#b02020" },
]);

const markLine = StateEffect.define<number | null>();
const errorLine = StateField.define<DecorationSet>({
  create: () => Decoration.none,
  update(deco, tr) {
    deco = deco.map(tr.changes);
    for (const e of tr.effects) {
      if (e.is(markLine)) {
        if (e.value === null || e.value > tr.state.doc.lines) deco = Decoration.none;
        else {
          const line = tr.state.doc.line(e.value);
          deco = Decoration.set([Decoration.line({ class: "cm-herald-error-line" }).range(line.from)]);
        }
      }
    }
    return deco;
  },
  provide: (f) => EditorView.decorations.from(f),
});

export function MjmlEditor({
  value,
  onChange,
  readOnly,
  label,
  describedBy,
  problems,
  markedLine,
}: {
  value: string;
  onChange: (value: string) => void;
  readOnly: boolean;
  label: string;
  describedBy?: string;
  problems: EditorProblem[];
  /** A line Herald refused (1-based), marked until the source changes. */
  markedLine: number | null;
}) {
  const host = useRef<HTMLDivElement>(null);
  const view = useRef<EditorView | null>(null);
  const change = useRef(onChange);
  change.current = onChange;

  useEffect(() => {
    const extensions: Extension[] = [
      basicSetup,
      keymap.of([indentWithTab]),
      xml({ elements: MJML_ELEMENTS }),
      syntaxHighlighting(HIGHLIGHT),
      errorLine,
      EditorState.readOnly.of(readOnly),
      EditorView.contentAttributes.of({
        "aria-label": label,
        // An explicit tab stop: the scroller's keyboard access is the content itself.
        tabindex: "0",
        ...(describedBy ? { "aria-describedby": describedBy } : {}),
      }),
      EditorView.updateListener.of((u) => {
        if (u.docChanged) {
          u.view.dispatch({ effects: markLine.of(null) });
          change.current(u.state.doc.toString());
        }
      }),
      EditorView.lineWrapping,
    ];
    const v = new EditorView({ parent: host.current!, state: EditorState.create({ doc: value, extensions }) });
    view.current = v;
    return () => {
      v.destroy();
      view.current = null;
    };
    // The view is made once per mode; the value follows below.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [readOnly, label, describedBy]);

  // The value changed from outside (loaded, applied from the visual editor).
  useEffect(() => {
    const v = view.current;
    if (v && v.state.doc.toString() !== value) {
      v.dispatch({ changes: { from: 0, to: v.state.doc.length, insert: value } });
    }
  }, [value]);

  useEffect(() => {
    const v = view.current;
    if (!v) return;
    const source = v.state.doc.toString();
    const diagnostics: Diagnostic[] = problems.map((p) => {
      const from = p.position ? indexOf(source, p.position) : 0;
      const lineEnd = v.state.doc.lineAt(from).to;
      return { from, to: Math.max(from, Math.min(lineEnd, from + 40)), severity: p.severity, message: p.message };
    });
    v.dispatch(setDiagnostics(v.state, diagnostics));
  }, [problems]);

  useEffect(() => {
    const v = view.current;
    if (!v) return;
    v.dispatch({ effects: markLine.of(markedLine) });
    if (markedLine !== null && markedLine <= v.state.doc.lines) {
      const line = v.state.doc.line(markedLine);
      v.dispatch({ selection: { anchor: line.from }, effects: EditorView.scrollIntoView(line.from, { y: "center" }) });
    }
  }, [markedLine]);

  return <div ref={host} className="tpl-code" data-testid="mjml-editor" />;
}
