// One template: MJML in a code editor beside an instant preview (mrml in the browser), a
// preview with real merge data from Herald, and the visual block editor (GrapesJS, loaded only
// when its tab opens). Platform operators save with the button or Ctrl/Cmd+S; Herald's refusal
// is shown with its line and column and marked in the editor. Tenant admins read.
import { Alert, Anchor, Badge, Button, Grid, Group, Modal, Stack, Tabs, Text } from "@mantine/core";
import { notifications } from "@mantine/notifications";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { IconArrowLeft, IconCode, IconDeviceFloppy, IconEye, IconLayoutBoard, IconPencil } from "@tabler/icons-react";
import { Suspense, lazy, useCallback, useEffect, useId, useMemo, useState } from "react";
import { useTranslation } from "react-i18next";
import { Link, useNavigate, useParams } from "react-router-dom";
import { ApiError } from "../../api/client";
import { useSession } from "../../auth/session";
import { PageHeader } from "../../components/PageHeader";
import { ErrorState, Loading, errorText } from "../../components/states";
import { useFormat } from "../../i18n/format";
import { SourceError, fetchTemplate, keys, saveTemplate } from "./data";
import { DetailsModal } from "./DetailsModal";
import { MjmlEditor, type EditorProblem } from "./MjmlEditor";
import { PreviewPane, problemText, useInstantPreview } from "./PreviewPane";
import { ServerPreview } from "./ServerPreview";
import { useUnsavedGuard } from "./unsaved";
import "./templates.css";

const VisualEditor = lazy(() => import("./VisualEditor"));

/** A fresh editor per template (its state never leaks into another). */
export default function TemplateEditorScreen() {
  const { templateId } = useParams();
  return <Editor key={templateId} />;
}

function Editor() {
  const { t } = useTranslation();
  const f = useFormat();
  const { readOnly } = useSession();
  const navigate = useNavigate();
  const client = useQueryClient();
  const id = Number(useParams().templateId);
  const hintId = useId();
  const template = useQuery({ queryKey: keys.one(id), queryFn: () => fetchTemplate(id), enabled: Number.isInteger(id) });
  const [saved, setSaved] = useState<string | null>(null);
  const [source, setSource] = useState("");
  const [tab, setTab] = useState<string | null>("code");
  const [serverError, setServerError] = useState<SourceError | null>(null);
  const [saveError, setSaveError] = useState<unknown>(null);
  const [previewing, setPreviewing] = useState(false);
  const [details, setDetails] = useState(false);
  const [leaving, setLeaving] = useState<string | null>(null);

  // The first load (and a reload after saving elsewhere) sets the editor's text.
  useEffect(() => {
    if (template.data && saved === null) {
      setSaved(template.data.mjml);
      setSource(template.data.mjml);
    }
  }, [template.data, saved]);

  const dirty = saved !== null && source !== saved;
  const ask = useCallback((href: string) => setLeaving(href.replace(/^\/console(?=\/|$)/, "") || "/"), []);
  useUnsavedGuard(dirty && !readOnly, ask);

  const save = useMutation({
    mutationFn: (mjml: string) => saveTemplate(id, { mjml }),
    onMutate: () => {
      setServerError(null);
      setSaveError(null);
    },
    onSuccess: (row, mjml) => {
      setSaved(mjml);
      client.setQueryData(keys.one(id), row);
      void client.invalidateQueries({ queryKey: keys.all });
      notifications.show({ color: "teal", message: t("console.templates.saved", { name: row.name }) });
    },
    onError: (error) => {
      if (error instanceof SourceError) setServerError(error);
      else setSaveError(error);
    },
  });

  const canSave = !readOnly && dirty && !save.isPending;
  const doSave = useCallback(() => {
    if (canSave) save.mutate(source);
  }, [canSave, save, source]);

  // Ctrl/Cmd+S saves wherever the focus is on this screen.
  useEffect(() => {
    if (readOnly) return;
    const onKey = (e: KeyboardEvent) => {
      if ((e.ctrlKey || e.metaKey) && !e.altKey && e.key.toLowerCase() === "s") {
        e.preventDefault();
        doSave();
      }
    };
    window.addEventListener("keydown", onKey);
    return () => window.removeEventListener("keydown", onKey);
  }, [doSave, readOnly]);

  const instant = useInstantPreview(source);
  const problems = useMemo<EditorProblem[]>(() => {
    const out: EditorProblem[] = [];
    if (serverError) out.push({ message: serverError.message, position: serverError.position, severity: "error" });
    if (instant.problem) out.push({ message: problemText(t, instant.problem), position: instant.problem.position, severity: "warning" });
    return out;
  }, [serverError, instant.problem, t]);

  if (!Number.isInteger(id)) return <ErrorState error={new ApiError(404, "not_found", "")} />;
  if (template.isPending) return <Loading />;
  if (template.isError) return <ErrorState error={template.error} onRetry={() => void template.refetch()} />;
  const row = template.data;

  const back = (
    <Anchor component={Link} to="/templates" size="sm">
      <Group gap={4}>
        <IconArrowLeft size={14} aria-hidden />
        {t("console.templates.back")}
      </Group>
    </Anchor>
  );

  return (
    <>
      <PageHeader
        before={back}
        title={row.name}
        description={
          <>
            {row.subject && (
              <span data-testid="template-subject">
                {t("console.templates.subject")}: {row.subject}
                <br />
              </span>
            )}
            {t("console.templates.updated", { date: f.dateTime(row.updated_at ?? row.created_at) })}
          </>
        }
        actions={
          <>
            {dirty && !readOnly && (
              <Badge color="orange" variant="dot" data-testid="unsaved">
                {t("console.templates.unsaved")}
              </Badge>
            )}
            {!readOnly && (
              <Button variant="default" leftSection={<IconPencil size={16} aria-hidden />} onClick={() => setDetails(true)}>
                {t("console.templates.edit_details")}
              </Button>
            )}
            {!readOnly && (
              <Button variant="default" leftSection={<IconEye size={16} aria-hidden />} onClick={() => setPreviewing(true)}>
                {t("console.templates.server_preview")}
              </Button>
            )}
            {!readOnly && (
              <Button
                leftSection={<IconDeviceFloppy size={16} aria-hidden />}
                onClick={doSave}
                disabled={!dirty}
                loading={save.isPending}
                aria-keyshortcuts="Control+S Meta+S"
              >
                {t("console.action.save")}
              </Button>
            )}
          </>
        }
      />
      {readOnly && (
        <Alert color="gray" variant="light" mb="md">
          {t("console.templates.readonly")}
        </Alert>
      )}
      {serverError && (
        <Alert color="red" variant="light" mb="md" role="alert" title={t("console.templates.refused")} data-testid="save-error">
          {serverError.position
            ? t("console.templates.problem_at", { line: serverError.position.line, column: serverError.position.column, message: serverError.message })
            : serverError.message}
        </Alert>
      )}
      {saveError ? (
        <Alert color="red" variant="light" mb="md" role="alert">
          {errorText(t, saveError)}
        </Alert>
      ) : null}
      <Tabs value={tab} onChange={setTab} keepMounted={false}>
        <Tabs.List mb="sm">
          <Tabs.Tab value="code" leftSection={<IconCode size={16} aria-hidden />}>
            {t("console.templates.tab_code")}
          </Tabs.Tab>
          {!readOnly && (
            <Tabs.Tab value="visual" leftSection={<IconLayoutBoard size={16} aria-hidden />}>
              {t("console.templates.tab_visual")}
            </Tabs.Tab>
          )}
        </Tabs.List>
        <Tabs.Panel value="code">
          <Grid gap="md">
            <Grid.Col span={{ base: 12, lg: 6 }}>
              <Stack gap={4}>
                <Text component="h2" fw={600} size="sm" m={0}>
                  {t("console.templates.source")}
                </Text>
                <Text size="xs" c="dimmed" id={hintId}>
                  {readOnly ? t("console.templates.source_hint_readonly") : t("console.templates.source_hint")}
                </Text>
                <MjmlEditor
                  value={source}
                  onChange={(next) => {
                    setSource(next);
                    setServerError(null);
                  }}
                  readOnly={readOnly}
                  label={t("console.templates.source_label", { name: row.name })}
                  describedBy={hintId}
                  problems={problems}
                  markedLine={serverError?.position?.line ?? null}
                />
              </Stack>
            </Grid.Col>
            <Grid.Col span={{ base: 12, lg: 6 }}>
              <Stack gap={4}>
                <Text component="h2" fw={600} size="sm" m={0}>
                  {t("console.templates.preview")}
                </Text>
                <PreviewPane preview={instant} />
              </Stack>
            </Grid.Col>
          </Grid>
        </Tabs.Panel>
        {!readOnly && (
          <Tabs.Panel value="visual">
            <Suspense fallback={<Loading label={t("console.templates.visual_loading")} />}>
              <VisualEditor
                source={source}
                onApply={(mjml) => {
                  setSource(mjml);
                  setTab("code");
                  notifications.show({ color: "teal", message: t("console.templates.applied") });
                }}
                onCancel={() => setTab("code")}
              />
            </Suspense>
          </Tabs.Panel>
        )}
      </Tabs>
      {details && <DetailsModal template={row} onClose={() => setDetails(false)} />}
      {previewing && <ServerPreview templateId={id} dirty={dirty} onClose={() => setPreviewing(false)} />}
      <Modal opened={leaving !== null} onClose={() => setLeaving(null)} title={t("console.templates.leave_title")}>
        <Stack>
          <Text size="sm">{t("console.templates.leave_body")}</Text>
          <Group justify="flex-end">
            <Button variant="default" onClick={() => setLeaving(null)}>
              {t("console.templates.stay")}
            </Button>
            <Button
              color="red"
              onClick={() => {
                const to = leaving ?? "/templates";
                setSaved(source); // nothing left to guard
                setLeaving(null);
                window.setTimeout(() => navigate(to), 0);
              }}
            >
              {t("console.templates.leave")}
            </Button>
          </Group>
        </Stack>
      </Modal>
    </>
  );
}
