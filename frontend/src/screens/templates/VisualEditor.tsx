// The visual block editor: GrapesJS with grapesjs-mjml, loaded on demand (its code and CSS are
// a separate chunk of the console). Nothing leaves Herald: telemetry is off, GrapesJS's CDN
// icon font is not loaded (its panels are replaced by this screen's own labelled controls),
// web fonts are refused (the canvas renders with `fonts: {}`) and the image placeholder is a
// data: URL. "Apply" writes GrapesJS's MJML back into the code editor.
import { Alert, Button, Group, SegmentedControl, Stack, Tabs, Text } from "@mantine/core";
import { IconArrowBackUp, IconArrowForwardUp, IconCheck } from "@tabler/icons-react";
import type { Editor } from "grapesjs";
import { useEffect, useRef, useState } from "react";
import { useTranslation } from "react-i18next";
import { Loading } from "../../components/states";
import { exportedAttributes, fromGrapes, logicOutsideText, toGrapes } from "./roundtrip";

const IMAGE_PLACEHOLDER =
  "data:image/svg+xml," +
  encodeURIComponent(
    '<svg xmlns="http://www.w3.org/2000/svg" width="600" height="300"><rect width="100%" height="100%" fill="#dfe6ee"/>' +
      '<path d="M230 210l60-80 45 55 30-35 55 60z" fill="#a9b8c8"/><circle cx="250" cy="110" r="22" fill="#a9b8c8"/></svg>',
  );

/** The function a CommonJS/UMD bundle exports, however the bundler wrapped it. */
function defaultExport<T>(module: { default: T }): T {
  const inner = module.default as unknown as { default?: T };
  return typeof inner === "function" ? (inner as T) : (inner.default ?? module.default);
}

/** grapesjs-mjml leaves out of its export any attribute equal to MJML's default for the
 * element, which changes the email when <mj-attributes> sets another default (an explicit
 * `font-size="13px"` on one mj-text under `<mj-text font-size="16px">`). Attributes the source
 * wrote (noted by toGrapes) are kept; defaults GrapesJS fills in are still left out. */
function keepWrittenAttributes(editor: Editor): void {
  for (const type of editor.Components.getTypes()) {
    if (!type.id.startsWith("mj-")) continue;
    editor.Components.addType(type.id, {
      model: {
        getAttrToHTML(this: { get: (key: string) => unknown }) {
          return exportedAttributes(
            (this.get("attributes") as Record<string, unknown>) ?? {},
            (this.get("style-default") as Record<string, unknown>) ?? {},
          );
        },
      },
    });
  }
}

const DEVICES = { desktop: "Desktop", mobile: "Mobile portrait" } as const;

export default function VisualEditor({
  source,
  onApply,
  onCancel,
}: {
  source: string;
  onApply: (mjml: string) => void;
  onCancel: () => void;
}) {
  const { t } = useTranslation();
  const canvas = useRef<HTMLDivElement>(null);
  const blocks = useRef<HTMLDivElement>(null);
  const layers = useRef<HTMLDivElement>(null);
  const styles = useRef<HTMLDivElement>(null);
  const traits = useRef<HTMLDivElement>(null);
  const [editor, setEditor] = useState<Editor | null>(null);
  const [failed, setFailed] = useState<string | null>(null);
  const [device, setDevice] = useState<keyof typeof DEVICES>("desktop");
  const [initial] = useState(source);
  const logic = logicOutsideText(initial);
  const canvasTitle = t("console.templates.canvas_title");

  useEffect(() => {
    let gone = false;
    let instance: Editor | null = null;
    void (async () => {
      try {
        const [grapesModule, pluginModule, mjmlModule] = await Promise.all([
          import("grapesjs"),
          import("grapesjs-mjml"),
          import("mjml-browser"),
          import("grapesjs/dist/css/grapes.min.css"),
        ]);
        const grapesjs = grapesModule.default;
        const mjmlPlugin = defaultExport(pluginModule);
        const mjml2html = defaultExport(mjmlModule);
        if (gone || !canvas.current) return;
        instance = grapesjs.init({
          container: canvas.current,
          height: "100%",
          width: "auto",
          telemetry: false,
          cssIcons: "",
          storageManager: false,
          fromElement: false,
          components: toGrapes(initial),
          panels: { defaults: [] },
          blockManager: { appendTo: blocks.current ?? undefined },
          layerManager: { appendTo: layers.current ?? undefined },
          styleManager: { appendTo: styles.current ?? undefined },
          traitManager: { appendTo: traits.current ?? undefined },
          assetManager: { assets: [], upload: false },
          canvas: { styles: [], scripts: [] },
          // <mj-head> (title, preview text, attributes) is not part of the drawn email; it stays
          // editable in the layer manager.
          canvasCss: "mj-head { display: none !important; }",
          plugins: [
            (e: Editor) =>
              mjmlPlugin(e, {
                fonts: {},
                useCustomTheme: false, // its palette has low-contrast labels; templates.css sets one
                imagePlaceholderSrc: IMAGE_PLACEHOLDER,
                // The canvas renders with mjml-browser; without `fonts: {}` it links Google Fonts.
                mjmlParser: ((mjml: string, options: Record<string, unknown>) =>
                  mjml2html(mjml, { ...options, fonts: {} })) as never,
              }),
            keepWrittenAttributes,
          ],
        });
        instance.on("load", () => {
          instance?.Canvas.getFrameEl()?.setAttribute("title", canvasTitle);
          if (!gone) setEditor(instance);
        });
      } catch (error) {
        if (!gone) setFailed(String(error));
      }
    })();
    return () => {
      gone = true;
      instance?.destroy();
    };
  }, [initial, canvasTitle]);

  useEffect(() => {
    editor?.setDevice(DEVICES[device]);
  }, [editor, device]);

  const apply = () => {
    if (!editor) return;
    const exported = String(editor.runCommand("mjml-code") ?? editor.getHtml());
    onApply(fromGrapes(exported, initial));
  };

  return (
    <Stack gap="xs">
      <Text size="sm" c="dimmed">
        {t("console.templates.visual_body")}
      </Text>
      {logic.length > 0 && (
        <Alert color="yellow" variant="light" p="xs">
          {t("console.templates.visual_logic", { lines: logic.join(", "), example: "{% … %}" })}
        </Alert>
      )}
      {failed && (
        <Alert color="red" variant="light" role="alert">
          {t("console.templates.visual_failed", { message: failed })}
        </Alert>
      )}
      <Group justify="space-between" wrap="wrap" gap="xs">
        <Group gap="xs">
          <Button size="xs" variant="default" leftSection={<IconArrowBackUp size={14} aria-hidden />} disabled={!editor} onClick={() => editor?.UndoManager.undo()}>
            {t("console.templates.undo")}
          </Button>
          <Button size="xs" variant="default" leftSection={<IconArrowForwardUp size={14} aria-hidden />} disabled={!editor} onClick={() => editor?.UndoManager.redo()}>
            {t("console.templates.redo")}
          </Button>
          <SegmentedControl
            size="xs"
            aria-label={t("console.templates.device")}
            value={device}
            onChange={(v) => setDevice(v as keyof typeof DEVICES)}
            data={[
              { value: "desktop", label: t("console.templates.desktop") },
              { value: "mobile", label: t("console.templates.mobile") },
            ]}
          />
        </Group>
        <Group gap="xs">
          <Button size="xs" variant="default" onClick={onCancel}>
            {t("console.action.cancel")}
          </Button>
          <Button size="xs" leftSection={<IconCheck size={14} aria-hidden />} disabled={!editor} onClick={apply} data-testid="visual-apply">
            {t("console.templates.apply")}
          </Button>
        </Group>
      </Group>
      {!editor && !failed && <Loading label={t("console.templates.visual_loading")} />}
      <div className="tpl-visual" data-testid="visual-editor" aria-busy={!editor}>
        <Group gap={0} align="stretch" wrap="nowrap">
          <div className="tpl-visual-canvas" style={{ flex: 1 }}>
            <div ref={canvas} style={{ height: "100%" }} />
          </div>
          <div className="tpl-visual-panel" style={{ width: 300, flex: "none" }}>
            <Tabs defaultValue="blocks" keepMounted>
              <Tabs.List grow>
                <Tabs.Tab value="blocks">{t("console.templates.blocks")}</Tabs.Tab>
                <Tabs.Tab value="layers">{t("console.templates.layers")}</Tabs.Tab>
                <Tabs.Tab value="styles">{t("console.templates.styles")}</Tabs.Tab>
                <Tabs.Tab value="traits">{t("console.templates.settings")}</Tabs.Tab>
              </Tabs.List>
              <Tabs.Panel value="blocks">
                <div ref={blocks} data-testid="visual-blocks" />
              </Tabs.Panel>
              <Tabs.Panel value="layers">
                <div ref={layers} />
              </Tabs.Panel>
              <Tabs.Panel value="styles">
                <div ref={styles} />
              </Tabs.Panel>
              <Tabs.Panel value="traits">
                <div ref={traits} />
              </Tabs.Panel>
            </Tabs>
          </div>
        </Group>
      </div>
    </Stack>
  );
}
