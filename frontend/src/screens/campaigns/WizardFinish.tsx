// The wizard's last steps: review (Herald's validation, each problem linked to its step),
// test send, schedule.
import { Alert, Anchor, Button, List, Modal, Stack, Table, Text, Textarea, Title } from "@mantine/core";
import { useDisclosure } from "@mantine/hooks";
import { useMutation, useQuery, useQueryClient, type UseQueryResult } from "@tanstack/react-query";
import { IconCircleCheck, IconAlertTriangle } from "@tabler/icons-react";
import { useState, type FormEvent } from "react";
import { useTranslation } from "react-i18next";
import { Link, useNavigate } from "react-router-dom";
import { api, ApiError, unwrap } from "../../api/client";
import type { components } from "../../api/schema";
import { useSession } from "../../auth/session";
import { FormActions } from "../../components/FormActions";
import { ErrorState, Loading, errorText } from "../../components/states";
import { useFormat } from "../../i18n/format";
import type { StepContext } from "./CampaignWizard";
import { problemText } from "./problems";
import { localToDate, problemStep, sendAtIso } from "./wizard";

type ValidationOut = components["schemas"]["ValidationOut"];

function StepTitle({ children }: { children: string }) {
  return (
    <Title order={2} fz="lg" id="wizard-step-title" mb="md">
      {children}
    </Title>
  );
}

function useAudience(id: number | null) {
  return useQuery({
    queryKey: ["campaign", id, "audience"],
    queryFn: () => unwrap(api.GET("/sys/newsletter/campaigns/{campaign_id}/audience", { params: { path: { campaign_id: id! } } })),
    enabled: id != null,
  });
}

function whenText(ctx: StepContext, t: (k: string, o?: Record<string, unknown>) => string, dateTime: (s: string) => string) {
  const at = ctx.draft.send_mode === "later" ? localToDate(ctx.draft.send_at_local) : null;
  return at
    ? t("console.campaigns.review.at", { when: dateTime(at.toISOString()), zone: Intl.DateTimeFormat().resolvedOptions().timeZone })
    : t("console.campaigns.settings.now");
}

export function ReviewStep(ctx: StepContext & { validation: UseQueryResult<ValidationOut> }) {
  const { t } = useTranslation();
  const f = useFormat();
  const audience = useAudience(ctx.id);
  const { draft, validation } = ctx;
  const listNames = ctx.lists.filter((l) => draft.lists.includes(l.slug)).map((l) => l.name);
  const segment = ctx.segments.find((s) => s.id === draft.segment_id);
  const template = ctx.templates.find((x) => x.id === draft.template_id);
  const rows: [string, string][] = [
    [t("console.campaigns.field.name"), draft.name],
    [t("console.campaigns.field.lists"), listNames.join(", ") || "—"],
    [t("console.campaigns.field.segment"), segment?.name ?? "—"],
    [t("console.campaigns.review.audience"), audience.data ? f.number(audience.data.count) : "…"],
    [t("console.campaigns.field.template"), template?.name ?? `#${draft.template_id ?? "—"}`],
    [t("console.campaigns.field.subject"), draft.subject],
    [t("console.campaigns.field.preheader"), draft.preheader || "—"],
    [t("console.campaigns.review.from"), draft.from_name ? `${draft.from_name} <${draft.from_email}>` : draft.from_email],
    [t("console.campaigns.field.reply_to"), draft.reply_to || "—"],
    [t("console.campaigns.field.throttle"), f.number(Number(draft.throttle_per_hour))],
    [t("console.campaigns.field.quiet_override"), ctx.campaign?.quiet_hours_override ? t("console.campaigns.review.yes") : t("console.campaigns.review.no")],
    [t("console.campaigns.field.when"), whenText(ctx, t, f.dateTime)],
  ];
  const problems = validation.data?.problems ?? [];
  return (
    <Stack>
      <StepTitle>{t("console.campaigns.step.review")}</StepTitle>
      {validation.isPending && <Loading label={t("console.campaigns.review.checking")} />}
      {validation.isError && <ErrorState error={validation.error} onRetry={() => void validation.refetch()} />}
      {validation.data && problems.length === 0 && (
        <Alert color="blue" icon={<IconCircleCheck aria-hidden />} role="status" title={t("console.campaigns.review.ready")}>
          {t("console.campaigns.review.ready_body")}
        </Alert>
      )}
      {problems.length > 0 && (
        <Alert color="red" icon={<IconAlertTriangle aria-hidden />} role="alert" title={t("console.campaigns.review.problems", { count: problems.length })}>
          <List spacing="xs" size="sm">
            {problems.map((p) => {
              const step = problemStep(p);
              return (
                <List.Item key={`${p.code}-${p.field}`} data-problem={p.code}>
                  {problemText(t, p, draft.from_email)}{" "}
                  {step !== "review" && (
                    <Anchor component="button" type="button" size="sm" c="red.9" fw={600} underline="always" onClick={() => ctx.goTo(step)}>
                      {t("console.campaigns.review.fix_in", { step: t(`console.campaigns.step.${step}`) })}
                    </Anchor>
                  )}
                  {p.code === "missing_postal_address" && ctx.tenantSlug && (
                    <Anchor component={Link} to={`/organisations/${ctx.tenantSlug}`} size="sm" c="red.9" fw={600} underline="always">
                      {t("console.tenants.add_address")}
                    </Anchor>
                  )}
                </List.Item>
              );
            })}
          </List>
        </Alert>
      )}
      <Table withRowBorders={false} verticalSpacing={4} layout="fixed" fz="sm">
        <Table.Caption>{t("console.campaigns.review.summary")}</Table.Caption>
        <Table.Tbody>
          {rows.map(([k, v]) => (
            <Table.Tr key={k}>
              <Table.Th w="32%" scope="row">
                {k}
              </Table.Th>
              <Table.Td style={{ overflowWrap: "anywhere" }}>{v}</Table.Td>
            </Table.Tr>
          ))}
        </Table.Tbody>
      </Table>
    </Stack>
  );
}

export function TestSendStep(ctx: StepContext) {
  const { t } = useTranslation();
  const { operator } = useSession();
  const [to, setTo] = useState(operator.email);
  const addresses = to.split(/[\s,;]+/).filter(Boolean);
  const send = useMutation({
    mutationFn: () =>
      unwrap(
        api.POST("/sys/newsletter/campaigns/{campaign_id}/test-send", {
          params: { path: { campaign_id: ctx.id! } },
          body: { to: addresses },
        }),
      ),
  });
  const tooMany = addresses.length > 10;
  const submit = (e: FormEvent) => {
    e.preventDefault();
    if (addresses.length > 0 && !tooMany) send.mutate();
  };
  const captured = send.data?.items.some((r) => r.provider === "null");
  return (
    <Stack>
      <StepTitle>{t("console.campaigns.step.test")}</StepTitle>
      <Text size="sm">{t("console.campaigns.test.body")}</Text>
      <form onSubmit={submit}>
        <Stack align="flex-start">
          <Textarea
            label={t("console.campaigns.test.to")}
            description={t("console.campaigns.test.to_hint")}
            autosize
            minRows={2}
            w="100%"
            maw={520}
            value={to}
            onChange={(e) => setTo(e.currentTarget.value)}
            error={tooMany ? t("console.campaigns.test.too_many") : undefined}
          />
          <Button type="submit" variant="light" loading={send.isPending} disabled={addresses.length === 0}>
            {t("console.campaigns.test.send")}
          </Button>
        </Stack>
      </form>
      {send.isError && (
        <Alert color="red" role="alert">
          {errorText(t, send.error)}
        </Alert>
      )}
      {send.data && (
        <Alert color={send.data.items.every((r) => r.accepted) ? "blue" : "red"} role="status" title={t("console.campaigns.test.done")}>
          <List size="sm">
            {send.data.items.map((r) => (
              <List.Item key={r.to}>
                {r.accepted ? t("console.campaigns.test.accepted", { to: r.to }) : t("console.campaigns.test.refused", { to: r.to, error: r.error ?? "" })}
              </List.Item>
            ))}
          </List>
          {captured && (
            <Anchor component={Link} to="/outbox" size="sm" c="blue.9" fw={600} underline="always">
              {t("console.campaigns.test.outbox")}
            </Anchor>
          )}
        </Alert>
      )}
      <Text size="sm" c="dimmed">
        {t("console.campaigns.test.optional")}
      </Text>
    </Stack>
  );
}

export function ScheduleStep(ctx: StepContext & { blocked: boolean }) {
  const { t } = useTranslation();
  const f = useFormat();
  const qc = useQueryClient();
  const navigate = useNavigate();
  const audience = useAudience(ctx.id);
  const [opened, { open, close }] = useDisclosure(false);
  const schedule = useMutation({
    mutationFn: () =>
      unwrap(
        api.POST("/sys/newsletter/campaigns/{campaign_id}/schedule", {
          params: { path: { campaign_id: ctx.id! } },
          body: { send_at: sendAtIso(ctx.draft) ?? null },
        }),
      ),
    onSuccess: () => {
      void qc.invalidateQueries({ queryKey: ["campaigns"] });
      void qc.invalidateQueries({ queryKey: ["campaign", ctx.id] });
      navigate(`/campaigns/${ctx.id}`);
    },
    onError: (e) => {
      if (e instanceof ApiError && e.status === 422) {
        void qc.invalidateQueries({ queryKey: ["campaign", ctx.id, "validate"] });
      }
    },
  });
  const when = whenText(ctx, t, f.dateTime);
  const later = ctx.draft.send_mode === "later";
  const stale = later && (localToDate(ctx.draft.send_at_local)?.getTime() ?? 0) <= Date.now();
  const submit = (e: FormEvent) => {
    e.preventDefault();
    schedule.mutate();
  };
  return (
    <Stack align="flex-start">
      <StepTitle>{t("console.campaigns.step.schedule")}</StepTitle>
      <Text>
        {t("console.campaigns.schedule.summary", {
          name: ctx.draft.name,
          n: audience.data ? f.number(audience.data.count) : "…",
          when,
        })}
      </Text>
      {ctx.blocked && (
        <Alert color="red" role="alert">
          {t("console.campaigns.schedule.blocked")}{" "}
          <Anchor component="button" type="button" c="red.9" fw={600} underline="always" onClick={() => ctx.goTo("review")}>
            {t("console.campaigns.schedule.to_review")}
          </Anchor>
        </Alert>
      )}
      {stale && (
        <Alert color="orange" role="alert">
          {t("console.campaigns.check.send_at_past")}{" "}
          <Anchor component="button" type="button" c="orange.9" fw={600} underline="always" onClick={() => ctx.goTo("settings")}>
            {t("console.campaigns.review.fix_in", { step: t("console.campaigns.step.settings") })}
          </Anchor>
        </Alert>
      )}
      <Button size="md" onClick={open} disabled={ctx.blocked || stale}>
        {later ? t("console.campaigns.schedule.schedule") : t("console.campaigns.schedule.send_now")}
      </Button>
      <Modal opened={opened} onClose={close} title={t("console.campaigns.schedule.confirm_title")} centered>
        <form onSubmit={submit}>
          <Stack>
            <Text size="sm">
              {t("console.campaigns.schedule.confirm_body", {
                name: ctx.draft.name,
                n: audience.data ? f.number(audience.data.count) : "…",
                when,
              })}
            </Text>
            <FormActions
              error={schedule.error}
              onCancel={close}
              loading={schedule.isPending}
              submitLabel={later ? t("console.campaigns.schedule.schedule") : t("console.campaigns.schedule.send_now")}
            />
          </Stack>
        </form>
      </Modal>
    </Stack>
  );
}
