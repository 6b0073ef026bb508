// One campaign: its status and settings, live progress while it is scheduled or sending,
// pause / resume / cancel / unschedule as the lifecycle allows, and the report.
import { Alert, Anchor, Button, Card, Group, Modal, Progress, SimpleGrid, Stack, Text, Title } from "@mantine/core";
import { useDisclosure } from "@mantine/hooks";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { IconPlayerPause, IconPlayerPlay, IconPencil, IconX, IconArrowBackUp } from "@tabler/icons-react";
import { useState, type FormEvent } from "react";
import { useTranslation } from "react-i18next";
import { Link, useParams } from "react-router-dom";
import { api, unwrap } from "../../api/client";
import { useSession } from "../../auth/session";
import { FormActions } from "../../components/FormActions";
import { PageHeader } from "../../components/PageHeader";
import { StatusBadge } from "../../components/StatusBadge";
import { ErrorState, Loading, errorText } from "../../components/states";
import { useFormat } from "../../i18n/format";
import { CampaignReport } from "./CampaignReport";
import { progress } from "./wizard";

const LIVE = new Set(["scheduled", "sending"]);
type Action = "pause" | "resume" | "cancel" | "unschedule";
const PATHS = {
  pause: "/sys/newsletter/campaigns/{campaign_id}/pause",
  resume: "/sys/newsletter/campaigns/{campaign_id}/resume",
  cancel: "/sys/newsletter/campaigns/{campaign_id}/cancel",
  unschedule: "/sys/newsletter/campaigns/{campaign_id}/unschedule",
} as const;

export default function CampaignScreen() {
  const { t } = useTranslation();
  const f = useFormat();
  const qc = useQueryClient();
  const { readOnly } = useSession();
  const id = Number(useParams().campaignId);
  const [confirmCancel, cancelDialog] = useDisclosure(false);
  const [announce, setAnnounce] = useState("");
  const campaign = useQuery({
    queryKey: ["campaign", id],
    queryFn: () => unwrap(api.GET("/sys/newsletter/campaigns/{campaign_id}", { params: { path: { campaign_id: id } } })),
    refetchInterval: (q) => (q.state.data && LIVE.has(q.state.data.status) ? 2000 : false),
  });
  const act = useMutation({
    mutationFn: (action: Action) => unwrap(api.POST(PATHS[action], { params: { path: { campaign_id: id } } })),
    onSuccess: (out) => {
      cancelDialog.close();
      setAnnounce(t("console.campaigns.page.now", { status: t(`console.status.${out.status}`) }));
      void qc.invalidateQueries({ queryKey: ["campaign", id] });
      void qc.invalidateQueries({ queryKey: ["campaigns"] });
    },
  });

  if (campaign.isPending) return <Loading />;
  if (campaign.isError) return <ErrorState error={campaign.error} onRetry={() => void campaign.refetch()} />;
  const c = campaign.data;
  const p = progress(c.stats, c.started_at);
  const can = (a: string) => !readOnly && c.actions.includes(a);
  const live = LIVE.has(c.status) || c.status === "paused";
  const stat = (key: string) => c.stats[key] ?? 0;

  const submitCancel = (e: FormEvent) => {
    e.preventDefault();
    act.mutate("cancel");
  };

  return (
    <>
      <PageHeader
        title={c.name}
        description={c.subject}
        before={
          <Anchor component={Link} to="/campaigns" size="sm">
            ← {t("console.campaigns.title")}
          </Anchor>
        }
        actions={
          <>
            {can("pause") && (
              <Button variant="default" leftSection={<IconPlayerPause size={16} aria-hidden />} loading={act.isPending && act.variables === "pause"} onClick={() => act.mutate("pause")}>
                {t("console.campaigns.page.pause")}
              </Button>
            )}
            {can("resume") && (
              <Button leftSection={<IconPlayerPlay size={16} aria-hidden />} loading={act.isPending && act.variables === "resume"} onClick={() => act.mutate("resume")}>
                {t("console.campaigns.page.resume")}
              </Button>
            )}
            {can("unschedule") && (
              <Button variant="default" leftSection={<IconArrowBackUp size={16} aria-hidden />} loading={act.isPending && act.variables === "unschedule"} onClick={() => act.mutate("unschedule")}>
                {t("console.campaigns.page.unschedule")}
              </Button>
            )}
            {!readOnly && c.status === "draft" && (
              <Button component={Link} to={`/campaigns/${c.id}/edit`} leftSection={<IconPencil size={16} aria-hidden />}>
                {t("console.campaigns.page.edit")}
              </Button>
            )}
            {can("cancel") && (
              <Button color="red" variant="light" leftSection={<IconX size={16} aria-hidden />} onClick={cancelDialog.open}>
                {t("console.campaigns.page.cancel")}
              </Button>
            )}
          </>
        }
      />
      <Text component="div" role="status" aria-live="polite" className="visually-hidden" style={{ position: "absolute", width: 1, height: 1, overflow: "hidden", clip: "rect(0 0 0 0)" }}>
        {announce}
      </Text>
      {act.isError && (
        <Alert color="red" role="alert" mb="md">
          {errorText(t, act.error)}
        </Alert>
      )}
      <Stack gap="lg">
        <Card withBorder radius="md" padding="lg">
          <Group justify="space-between" align="flex-start" wrap="wrap">
            <Stack gap={4}>
              <Group gap="sm">
                <Text fw={600}>{t("console.field.status")}</Text>
                <StatusBadge status={c.status} />
              </Group>
              <Text size="sm" c="dimmed">
                {c.status === "draft"
                  ? t("console.campaigns.page.draft_hint")
                  : c.status === "scheduled" && c.send_at && Date.parse(c.send_at) > Date.now()
                    ? t("console.campaigns.page.scheduled_for", { when: f.dateTime(c.send_at) })
                    : c.status === "paused"
                      ? t("console.campaigns.page.paused_hint")
                      : c.finished_at
                        ? t("console.campaigns.page.finished", { when: f.dateTime(c.finished_at) })
                        : c.started_at
                          ? t("console.campaigns.started", { when: f.dateTime(c.started_at) })
                          : t("console.campaigns.page.starting")}
              </Text>
            </Stack>
            <Stack gap={2} align="flex-end">
              <Text size="sm">{t("console.campaigns.page.from", { from: c.from_name ? `${c.from_name} <${c.from_email}>` : c.from_email })}</Text>
              <Text size="sm" c="dimmed">
                {t("console.campaigns.page.throttle", { n: f.number(c.throttle_per_hour) })}
                {c.quiet_hours_override ? ` · ${t("console.campaigns.page.quiet_override")}` : ""}
              </Text>
              {!readOnly && (
                <Anchor component={Link} to={`/templates/${c.template_id}`} size="sm">
                  {t("console.campaigns.page.template")}
                </Anchor>
              )}
            </Stack>
          </Group>
          {(live || c.status === "sent" || c.status === "cancelled") && p.recipients > 0 && (
            <Stack gap={6} mt="lg">
              <Group justify="space-between">
                <Text size="sm" fw={600}>
                  {t("console.campaigns.page.progress", { done: f.number(p.done), total: f.number(p.recipients) })}
                </Text>
                {p.perHour != null && c.status === "sending" && (
                  <Text size="sm" c="dimmed">
                    {t("console.campaigns.page.throughput", { n: f.number(p.perHour) })}
                  </Text>
                )}
              </Group>
              <Progress.Root size="lg" radius="sm">
                <Progress.Section
                  value={p.percent}
                  animated={c.status === "sending"}
                  color={c.status === "paused" ? "orange.8" : "blue"}
                  aria-label={t("console.campaigns.page.progress_label")}
                  aria-valuetext={f.percent(p.percent / 100)}
                />
              </Progress.Root>
              <SimpleGrid cols={{ base: 2, sm: 4 }} spacing="sm" mt="xs">
                {(["queued", "sent", "failed", "skipped"] as const).map((k) => (
                  <div key={k} data-figure={k}>
                    <Text size="xs" c="dimmed">
                      {t(`console.campaigns.stat.${k}`)}
                    </Text>
                    <Text fw={600} size="lg">
                      {f.number(stat(k))}
                    </Text>
                  </div>
                ))}
              </SimpleGrid>
            </Stack>
          )}
          {LIVE.has(c.status) && p.recipients === 0 && (
            <Text size="sm" c="dimmed" mt="md">
              {t("console.campaigns.page.waiting")}
            </Text>
          )}
        </Card>
        {c.status !== "draft" && (
          <>
            <Title order={2} fz="lg">
              {t("console.campaigns.report.title")}
            </Title>
            <CampaignReport campaign={c} live={LIVE.has(c.status)} />
          </>
        )}
      </Stack>
      <Modal opened={confirmCancel} onClose={cancelDialog.close} title={t("console.campaigns.page.cancel_title")} centered>
        <form onSubmit={submitCancel}>
          <Stack>
            <Text size="sm">{t("console.campaigns.page.cancel_body", { name: c.name })}</Text>
            <FormActions
              error={act.variables === "cancel" ? act.error : undefined}
              onCancel={cancelDialog.close}
              loading={act.isPending}
              submitLabel={t("console.campaigns.page.cancel_confirm")}
              color="red"
            />
          </Stack>
        </form>
      </Modal>
    </>
  );
}

