// The instant preview: the MJML in the editor rendered in the browser by mrml's WebAssembly
// build (Herald's own engine), 300 ms after typing stops, in a sandboxed frame (no scripts, no
// same-origin access). Desktop, a 375 px phone, and dark mode emulated the way mail apps do it.
import { Alert, Group, SegmentedControl, Stack, Switch, Text } from "@mantine/core";
import { IconDeviceDesktop, IconDeviceMobile } from "@tabler/icons-react";
import { useEffect, useMemo, useRef, useState } from "react";
import { useTranslation } from "react-i18next";
import { mrmlToHtml } from "./mrml";
import { FRAME_WIDTH, checkSource, fromMrml, previewDocument, type Device, type SourceProblem } from "./preview";

export const PREVIEW_DELAY_MS = 300;

/** Render `source` 300 ms after it stops changing; `problem` is null when it rendered. */
export function useInstantPreview(source: string): { html: string | null; problem: SourceProblem | null; pending: boolean } {
  const [state, setState] = useState<{ html: string | null; problem: SourceProblem | null; pending: boolean }>({
    html: null,
    problem: null,
    pending: true,
  });
  useEffect(() => {
    let stale = false;
    setState((s) => ({ ...s, pending: true }));
    const timer = window.setTimeout(() => {
      const refused = checkSource(source);
      const done = (next: { html?: string; problem: SourceProblem | null }) => {
        if (!stale) setState((s) => ({ html: next.html ?? s.html, problem: next.problem, pending: false }));
      };
      if (refused) {
        done({ problem: refused });
        return;
      }
      mrmlToHtml(source).then(
        (result) => {
          const out = fromMrml(source, result);
          done(out.ok ? { html: out.html, problem: null } : { problem: out.problem });
        },
        (error: unknown) => done({ problem: { message: String(error), position: null } }),
      );
    }, PREVIEW_DELAY_MS);
    return () => {
      stale = true;
      window.clearTimeout(timer);
    };
  }, [source]);
  return state;
}

export function problemText(t: (k: string, o?: Record<string, unknown>) => string, problem: SourceProblem): string {
  const message =
    problem.message === "empty"
      ? t("console.templates.problem_empty")
      : problem.message === "not-mjml"
        ? t("console.templates.problem_not_mjml")
        : problem.message;
  return problem.position
    ? t("console.templates.problem_at", { line: problem.position.line, column: problem.position.column, message })
    : message;
}

export type InstantPreview = ReturnType<typeof useInstantPreview>;

export function PreviewPane({ preview }: { preview: InstantPreview }) {
  const { t } = useTranslation();
  const [device, setDevice] = useState<Device>("desktop");
  const [dark, setDark] = useState(false);
  const box = useRef<HTMLDivElement>(null);
  const [boxWidth, setBoxWidth] = useState(0);
  useEffect(() => {
    const el = box.current;
    if (!el) return;
    const ro = new ResizeObserver(() => setBoxWidth(el.clientWidth));
    ro.observe(el);
    return () => ro.disconnect();
  }, []);
  const frameWidth = FRAME_WIDTH[device];
  // The frame keeps its real width (the email lays out for it) and is scaled down to fit.
  const scale = boxWidth > 0 ? Math.min(1, (boxWidth - 16) / frameWidth) : 1;
  const doc = useMemo(() => (preview.html ? previewDocument(preview.html, { dark }) : null), [preview.html, dark]);

  return (
    <Stack gap="xs" className="tpl-preview">
      <Group justify="space-between" wrap="wrap" gap="xs">
        <SegmentedControl
          size="xs"
          aria-label={t("console.templates.device")}
          value={device}
          onChange={(v) => setDevice(v as Device)}
          data={[
            {
              value: "desktop",
              label: (
                <Group gap={4} wrap="nowrap">
                  <IconDeviceDesktop size={14} aria-hidden />
                  {t("console.templates.desktop")}
                </Group>
              ),
            },
            {
              value: "mobile",
              label: (
                <Group gap={4} wrap="nowrap">
                  <IconDeviceMobile size={14} aria-hidden />
                  {t("console.templates.mobile")}
                </Group>
              ),
            },
          ]}
        />
        <Switch size="sm" label={t("console.templates.dark")} checked={dark} onChange={(e) => setDark(e.currentTarget.checked)} />
      </Group>
      <Text size="xs" c="dimmed" aria-live="polite">
        {doc?.dark === "native"
          ? t("console.templates.dark_native")
          : doc?.dark === "inverted"
            ? t("console.templates.dark_inverted")
            : t("console.templates.instant_note", { example: "{{ subscriber.name }}" })}
      </Text>
      {preview.problem && (
        <Alert color="orange" variant="light" role="status" data-testid="preview-problem" p="xs">
          <Text size="sm">{problemText(t, preview.problem)}</Text>
          {preview.html && (
            <Text size="xs" c="dimmed">
              {t("console.templates.showing_last")}
            </Text>
          )}
        </Alert>
      )}
      {scale < 1 && doc && (
        <Text size="xs" c="dimmed">
          {t("console.templates.zoomed", { width: frameWidth, percent: Math.round(scale * 100) })}
        </Text>
      )}
      <div className="tpl-frame-box" ref={box}>
        {doc ? (
          <div style={{ width: frameWidth * scale, height: "100%", position: "relative", flex: "none" }}>
            <iframe
              className="tpl-frame"
              data-testid="preview-frame"
              data-device={device}
              data-dark={dark ? "true" : "false"}
              title={t("console.templates.preview_title")}
              sandbox=""
              srcDoc={doc.html}
              style={{
                width: frameWidth,
                height: `${100 / scale}%`,
                transform: scale < 1 ? `scale(${scale})` : undefined,
                transformOrigin: "0 0",
                position: "absolute",
                top: 0,
                left: 0,
              }}
            />
          </div>
        ) : (
          !preview.problem && (
            <Text size="sm" c="dimmed" p="md" role="status">
              {t("console.templates.rendering")}
            </Text>
          )
        )}
      </div>
    </Stack>
  );
}
