// The wizard's editing steps: audience, content, settings.
import {
  Alert,
  Anchor,
  Box,
  Checkbox,
  Code,
  Group,
  NumberInput,
  Radio,
  Select,
  SimpleGrid,
  Stack,
  Switch,
  Text,
  TextInput,
  Title,
} from "@mantine/core";
import { useQuery, useQueryClient } from "@tanstack/react-query";
import { useMutation } from "@tanstack/react-query";
import { useTranslation } from "react-i18next";
import { Link } from "react-router-dom";
import { api, unwrap } from "../../api/client";
import { Cancelled, useFreshAuth } from "../../auth/FreshAuth";
import { Empty, ErrorState, Loading, errorText } from "../../components/states";
import { useFormat } from "../../i18n/format";
import type { StepContext } from "./CampaignWizard";
import { problemText } from "./problems";
import { MAX_THROTTLE, problemsByField, type Draft } from "./wizard";

/** The message for a field: the client-side check first, then Herald's validation. */
function useFieldError(ctx: StepContext) {
  const { t } = useTranslation();
  const byField = problemsByField(ctx.problems);
  return (field: keyof Draft | string): string | undefined => {
    const own = ctx.errors[field as keyof Draft];
    if (own) return t(`console.campaigns.check.${own.key}`, own.values ?? {});
    const p = byField[field];
    return p ? problemText(t, p, ctx.draft.from_email) : undefined;
  };
}

function StepTitle({ children }: { children: string }) {
  return (
    <Title order={2} fz="lg" id="wizard-step-title" mb="md">
      {children}
    </Title>
  );
}

export function AudienceStep(ctx: StepContext) {
  const { t } = useTranslation();
  const f = useFormat();
  const error = useFieldError(ctx);
  const { draft, set } = ctx;
  const audience = useQuery({
    queryKey: ["campaign", ctx.id, "audience"],
    queryFn: () =>
      unwrap(api.GET("/sys/newsletter/campaigns/{campaign_id}/audience", { params: { path: { campaign_id: ctx.id! } } })),
    enabled: ctx.id != null,
  });
  const chosen = ctx.lists.filter((l) => draft.lists.includes(l.slug));
  const upTo = chosen.reduce((n, l) => n + (l.counts?.active ?? 0), 0);
  const savedSame =
    ctx.campaign != null &&
    ctx.campaign.segment_id === draft.segment_id &&
    [...ctx.campaign.lists].sort().join(",") === chosen.map((l) => l.id).sort().join(",");
  const listError = error("lists");

  return (
    <Stack>
      <StepTitle>{t("console.campaigns.step.audience")}</StepTitle>
      <TextInput
        label={t("console.campaigns.field.name")}
        description={t("console.campaigns.field.name_hint")}
        required
        maxLength={200}
        value={draft.name}
        onChange={(e) => set({ name: e.currentTarget.value })}
        error={error("name")}
        maw={520}
      />
      {ctx.lists.length === 0 ? (
        <Empty
          title={t("console.campaigns.audience.no_lists")}
          body={t("console.campaigns.audience.no_lists_body")}
          action={
            <Anchor component={Link} to="/lists">
              {t("console.campaigns.audience.go_lists")}
            </Anchor>
          }
        />
      ) : (
        <Checkbox.Group
          label={t("console.campaigns.field.lists")}
          description={t("console.campaigns.field.lists_hint")}
          value={draft.lists}
          onChange={(lists) => set({ lists })}
          error={listError}
        >
          <Stack gap="xs" mt="xs">
            {ctx.lists.map((l) => (
              <Checkbox
                key={l.id}
                value={l.slug}
                aria-invalid={listError ? true : undefined}
                label={
                  <Group gap="xs" wrap="nowrap">
                    <Text size="sm">{l.name}</Text>
                    <Text size="sm" c="dimmed">
                      {t("console.campaigns.audience.active_count", { count: l.counts?.active ?? 0, n: f.number(l.counts?.active ?? 0) })}
                    </Text>
                  </Group>
                }
              />
            ))}
          </Stack>
        </Checkbox.Group>
      )}
      <Select
        label={t("console.campaigns.field.segment")}
        description={t("console.campaigns.field.segment_hint")}
        placeholder={t("console.campaigns.audience.no_segment")}
        clearable
        data={ctx.segments.map((s) => ({ value: String(s.id), label: s.name }))}
        value={draft.segment_id != null ? String(draft.segment_id) : null}
        onChange={(v) => set({ segment_id: v ? Number(v) : null })}
        error={error("segment_id")}
        maw={520}
        nothingFoundMessage={t("console.campaigns.audience.no_segments")}
      />
      <Group gap="xs">
        <Anchor component={Link} to="/segments" size="sm">
          {t("console.campaigns.audience.manage_segments")}
        </Anchor>
        {draft.segment_id != null && (
          <Anchor component={Link} to={`/segments/${draft.segment_id}`} size="sm">
            {t("console.campaigns.audience.open_segment")}
          </Anchor>
        )}
      </Group>
      <Alert variant="light" color="blue" role="status" aria-live="polite">
        {savedSame && audience.data
          ? t("console.campaigns.audience.size", { count: audience.data.count, n: f.number(audience.data.count) })
          : chosen.length > 0
            ? t("console.campaigns.audience.up_to", { n: f.number(upTo) })
            : t("console.campaigns.audience.pick")}
        {draft.segment_id != null && !savedSame && ` ${t("console.campaigns.audience.segment_after_save")}`}
      </Alert>
      {ctx.id == null && ctx.templates.length === 0 && (
        <Alert color="orange" role="alert">
          {t("console.campaigns.content.no_templates")}{" "}
          <Anchor component={Link} to="/templates">
            {t("console.campaigns.content.go_templates")}
          </Anchor>
        </Alert>
      )}
    </Stack>
  );
}

function TemplatePreview({ templateId, subject }: { templateId: number; subject: string }) {
  const { t } = useTranslation();
  const preview = useQuery({
    queryKey: ["template", templateId, "preview", subject],
    queryFn: () =>
      unwrap(
        api.POST("/sys/newsletter/templates/{template_id}/preview", {
          params: { path: { template_id: templateId } },
          body: { subject: subject || undefined },
        }),
      ),
    staleTime: 30_000,
  });
  if (preview.isPending) return <Loading label={t("console.campaigns.content.preview_loading")} />;
  if (preview.isError) return <ErrorState error={preview.error} />;
  return (
    <Box>
      <iframe
        title={t("console.campaigns.content.preview_title")}
        sandbox=""
        srcDoc={preview.data.html}
        style={{
          width: "100%",
          height: 460,
          border: "1px solid var(--mantine-color-gray-3)",
          borderRadius: "var(--mantine-radius-md)",
          background: "#fff",
        }}
      />
    </Box>
  );
}

export function ContentStep(ctx: StepContext) {
  const { t } = useTranslation();
  const error = useFieldError(ctx);
  const { draft, set } = ctx;
  const templateError = error("template_id");
  return (
    <Stack>
      <StepTitle>{t("console.campaigns.step.content")}</StepTitle>
      <SimpleGrid cols={{ base: 1, md: 2 }} spacing="xl">
        <Stack>
          {ctx.templates.length === 0 ? (
            <Alert color="orange" role="alert">
              {t("console.campaigns.content.no_templates")}{" "}
              <Anchor component={Link} to="/templates">
                {t("console.campaigns.content.go_templates")}
              </Anchor>
            </Alert>
          ) : (
            <Radio.Group
              label={t("console.campaigns.field.template")}
              value={draft.template_id != null ? String(draft.template_id) : null}
              onChange={(v) => set({ template_id: Number(v) })}
              error={templateError}
            >
              <Stack gap="xs" mt="xs">
                {ctx.templates.map((tpl) => (
                  <Radio
                    key={tpl.id}
                    value={String(tpl.id)}
                    label={tpl.name}
                    description={tpl.subject ?? undefined}
                    aria-invalid={templateError && draft.template_id === tpl.id ? true : undefined}
                  />
                ))}
              </Stack>
            </Radio.Group>
          )}
          {draft.template_id != null && (
            <Anchor component={Link} to={`/templates/${draft.template_id}`} size="sm">
              {t("console.campaigns.content.edit_template")}
            </Anchor>
          )}
          <TextInput
            label={t("console.campaigns.field.subject")}
            required
            maxLength={998}
            value={draft.subject}
            onChange={(e) => set({ subject: e.currentTarget.value })}
            error={error("subject")}
            description={
              <>
                {t("console.campaigns.field.subject_hint")} <Code>{'{{ subscriber.first_name or "there" }}'}</Code>
              </>
            }
          />
          <TextInput
            label={t("console.campaigns.field.preheader")}
            description={t("console.campaigns.field.preheader_hint")}
            maxLength={255}
            value={draft.preheader}
            onChange={(e) => set({ preheader: e.currentTarget.value })}
            error={error("preheader")}
          />
          <TextInput
            label={t("console.campaigns.field.from_name")}
            maxLength={200}
            value={draft.from_name}
            onChange={(e) => set({ from_name: e.currentTarget.value })}
            error={error("from_name")}
          />
          <TextInput
            label={t("console.campaigns.field.from_email")}
            description={t("console.campaigns.field.from_email_hint")}
            required
            type="email"
            maxLength={320}
            value={draft.from_email}
            onChange={(e) => set({ from_email: e.currentTarget.value })}
            error={error("from_email")}
          />
          <TextInput
            label={t("console.campaigns.field.reply_to")}
            type="email"
            maxLength={320}
            value={draft.reply_to}
            onChange={(e) => set({ reply_to: e.currentTarget.value })}
            error={error("reply_to")}
          />
        </Stack>
        <Stack gap="xs">
          <Text fw={600} size="sm">
            {t("console.campaigns.content.preview")}
          </Text>
          {draft.template_id != null ? (
            <TemplatePreview templateId={draft.template_id} subject={draft.subject} />
          ) : (
            <Text c="dimmed" size="sm">
              {t("console.campaigns.content.pick_template")}
            </Text>
          )}
        </Stack>
      </SimpleGrid>
    </Stack>
  );
}

export function SettingsStep(ctx: StepContext) {
  const { t } = useTranslation();
  const qc = useQueryClient();
  const fresh = useFreshAuth();
  const error = useFieldError(ctx);
  const { draft, set } = ctx;
  const zone = Intl.DateTimeFormat().resolvedOptions().timeZone;
  const override = useMutation({
    mutationFn: (enabled: boolean) =>
      fresh(() =>
        unwrap(
          api.POST("/sys/newsletter/campaigns/{campaign_id}/quiet-hours-override", {
            params: { path: { campaign_id: ctx.id! } },
            body: { enabled },
          }),
        ),
      ),
    onSuccess: () => void qc.invalidateQueries({ queryKey: ["campaign", ctx.id] }),
  });
  return (
    <Stack>
      <StepTitle>{t("console.campaigns.step.settings")}</StepTitle>
      <NumberInput
        label={t("console.campaigns.field.throttle")}
        description={t("console.campaigns.field.throttle_hint")}
        min={1}
        max={MAX_THROTTLE}
        allowDecimal={false}
        allowNegative={false}
        thousandSeparator=" "
        value={draft.throttle_per_hour}
        onChange={(v) => set({ throttle_per_hour: v })}
        error={error("throttle_per_hour")}
        maw={320}
      />
      <Stack gap={4}>
        <Switch
          label={t("console.campaigns.field.quiet_override")}
          description={t("console.campaigns.field.quiet_hint")}
          checked={ctx.campaign?.quiet_hours_override ?? false}
          disabled={ctx.id == null || override.isPending}
          onChange={(e) => override.mutate(e.currentTarget.checked)}
        />
        {override.isError && !(override.error instanceof Cancelled) && (
          <Text role="alert" c="red.8" size="sm">
            {errorText(t, override.error)}
          </Text>
        )}
      </Stack>
      <Alert variant="light" color="gray" title={t("console.campaigns.settings.tracking")}>
        {t("console.campaigns.settings.tracking_body")}
      </Alert>
      <Radio.Group
        label={t("console.campaigns.field.when")}
        value={draft.send_mode}
        onChange={(v) => set({ send_mode: v === "later" ? "later" : "now" })}
      >
        <Stack gap="xs" mt="xs">
          <Radio value="now" label={t("console.campaigns.settings.now")} />
          <Radio value="later" label={t("console.campaigns.settings.later")} />
        </Stack>
      </Radio.Group>
      {draft.send_mode === "later" && (
        <TextInput
          type="datetime-local"
          label={t("console.campaigns.field.send_at")}
          description={t("console.campaigns.field.send_at_hint", { zone })}
          value={draft.send_at_local}
          onChange={(e) => set({ send_at_local: e.currentTarget.value })}
          error={error("send_at_local") ?? error("send_at")}
          maw={320}
        />
      )}
      <Text size="sm" c="dimmed">
        {t("console.campaigns.settings.ab_unavailable")}
      </Text>
    </Stack>
  );
}
