// The campaign wizard: audience → content → settings → review → test send → schedule.
// The draft is created when the audience step is done and saved (PATCH) at every step, so
// leaving half-way loses nothing; Herald's validation problems are shown next to the field
// they concern and mark their step in the indicator.
import { Alert, Anchor, Button, Group, Paper } from "@mantine/core";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useEffect, useMemo, useState } from "react";
import { useTranslation } from "react-i18next";
import { Link, useNavigate, useParams, useSearchParams } from "react-router-dom";
import { api, unwrap } from "../../api/client";
import type { components } from "../../api/schema";
import { useSession } from "../../auth/session";
import { PageHeader } from "../../components/PageHeader";
import { ErrorState, Loading, errorText } from "../../components/states";
import { useTenant } from "../../tenant/TenantContext";
import { AudienceStep, ContentStep, SettingsStep } from "./WizardSteps";
import { ReviewStep, ScheduleStep, TestSendStep } from "./WizardFinish";
import { WizardStepper } from "./WizardStepper";
import {
  STEPS,
  draftFrom,
  emptyDraft,
  patchFor,
  problemsByStep,
  stepErrors,
  stepOf,
  type Draft,
  type Step,
  type StepErrors,
} from "./wizard";

type S = components["schemas"];
export type TemplateOut = S["herald__web__sys__templates__TemplateOut"];
export type SegmentOut = S["SegmentOut"];
export type ListOut = S["ListOut"];

/** What every step is given. */
export interface StepContext {
  id: number | null;
  draft: Draft;
  set: (patch: Partial<Draft>) => void;
  /** Client-side errors, shown once the operator tried to move on. */
  errors: StepErrors;
  problems: S["ProblemOut"][];
  lists: ListOut[];
  templates: TemplateOut[];
  segments: SegmentOut[];
  campaign: S["CampaignOut"] | undefined;
  tenantSlug: string | null;
  goTo: (s: Step) => void;
}

const EDITED: ReadonlySet<Step> = new Set(["audience", "content", "settings"]);

export default function CampaignWizard() {
  const { t } = useTranslation();
  const qc = useQueryClient();
  const navigate = useNavigate();
  const { operator } = useSession();
  const { tenant: headerTenant } = useTenant();
  const { campaignId } = useParams();
  const id = campaignId ? Number(campaignId) : null;
  const [params, setParams] = useSearchParams();
  const step = stepOf(params.get("step"));
  const [draft, setDraft] = useState<Draft | null>(id == null ? emptyDraft() : null);
  const [attempted, setAttempted] = useState<ReadonlySet<Step>>(new Set());
  const [reviewed, setReviewed] = useState(false);

  const campaign = useQuery({
    queryKey: ["campaign", id],
    queryFn: () => unwrap(api.GET("/sys/newsletter/campaigns/{campaign_id}", { params: { path: { campaign_id: id! } } })),
    enabled: id != null,
  });
  const tenants = useQuery({
    queryKey: ["tenants"],
    queryFn: () => unwrap(api.GET("/sys/newsletter/tenants")),
  });
  const tenantId = id != null ? (campaign.data?.tenant_id ?? null) : (tenants.data?.items.find((x) => x.slug === headerTenant)?.id ?? null);
  const tenantSlug = id != null ? (tenants.data?.items.find((x) => x.id === campaign.data?.tenant_id)?.slug ?? null) : headerTenant;
  const ready = tenants.isSuccess && (id == null || campaign.isSuccess);

  const lists = useQuery({
    queryKey: ["lists", "campaign-wizard", tenantSlug],
    queryFn: () =>
      unwrap(api.GET("/sys/newsletter/lists", { params: { query: { ...(tenantSlug ? { tenant: tenantSlug } : {}), counts: true, limit: 100 } } })),
    enabled: ready,
  });
  const templates = useQuery({
    queryKey: ["templates", "all"],
    queryFn: () => unwrap(api.GET("/sys/newsletter/templates", { params: { query: { limit: 100 } } })),
  });
  const segments = useQuery({
    queryKey: ["segments", "all"],
    queryFn: () => unwrap(api.GET("/sys/newsletter/segments", { params: { query: { limit: 100 } } })),
  });
  const tenantLists = useMemo(
    () => (lists.data?.items ?? []).filter((l) => (l.tenant ?? null) === tenantSlug && !l.archived),
    [lists.data, tenantSlug],
  );
  const tenantTemplates = useMemo(
    () => (templates.data?.items ?? []).filter((x) => x.tenant_id == null || x.tenant_id === tenantId),
    [templates.data, tenantId],
  );
  const tenantSegments = useMemo(
    () => (segments.data?.items ?? []).filter((x) => (x.tenant_id ?? null) === tenantId),
    [segments.data, tenantId],
  );

  // An existing draft fills the form once it and the lists (for their slugs) are known.
  useEffect(() => {
    if (draft || !campaign.data || !lists.data) return;
    const all = lists.data.items;
    setDraft(draftFrom(campaign.data, (listId) => all.find((l) => l.id === listId)?.slug));
  }, [draft, campaign.data, lists.data]);

  const indexOf = (s: Step) => STEPS.indexOf(s);
  useEffect(() => {
    if (indexOf(step) >= indexOf("review")) setReviewed(true);
  }, [step]);

  const validation = useQuery({
    queryKey: ["campaign", id, "validate"],
    queryFn: () =>
      unwrap(api.POST("/sys/newsletter/campaigns/{campaign_id}/validate", { params: { path: { campaign_id: id! } } })),
    enabled: id != null && reviewed && campaign.data?.status === "draft",
  });
  const problems = validation.data?.problems ?? [];
  const withProblems = useMemo(() => {
    const s = new Set(Object.keys(problemsByStep(problems)) as Step[]);
    s.delete("review");
    if (problems.length > 0) s.add("review");
    return s;
  }, [problems]);

  const save = useMutation({
    mutationFn: async ({ from }: { from: Step; to: Step }): Promise<number> => {
      const d = draft!;
      if (id == null) {
        const first = tenantTemplates[0];
        const filled: Partial<Draft> = {
          template_id: d.template_id ?? first?.id ?? null,
          subject: d.subject || first?.subject || d.name.trim(),
          from_email: d.from_email || operator.email,
        };
        setDraft({ ...d, ...filled });
        const created = await unwrap(
          api.POST("/sys/newsletter/campaigns", {
            body: {
              name: d.name.trim(),
              lists: d.lists,
              segment_id: d.segment_id,
              template_id: filled.template_id!,
              subject: filled.subject!,
              from_email: filled.from_email!,
              preheader: d.preheader.trim() || first?.preheader || null,
              tenant: tenantSlug,
              send_time_optimization: false,
            },
          }),
        );
        return created.id;
      }
      if (EDITED.has(from)) {
        await unwrap(
          api.PATCH("/sys/newsletter/campaigns/{campaign_id}", {
            params: { path: { campaign_id: id } },
            body: patchFor(from, d),
          }),
        );
      }
      return id;
    },
    onSuccess: (savedId, { to }) => {
      void qc.invalidateQueries({ queryKey: ["campaign", savedId] });
      void qc.invalidateQueries({ queryKey: ["campaigns"] });
      if (id == null) navigate(`/campaigns/${savedId}/edit?step=${to}`, { replace: true });
      else setParams({ step: to });
      window.scrollTo({ top: 0 });
    },
  });

  if (id != null && campaign.isError) return <ErrorState error={campaign.error} onRetry={() => void campaign.refetch()} />;
  if (tenants.isError) return <ErrorState error={tenants.error} onRetry={() => void tenants.refetch()} />;
  if (!ready || !draft || lists.isPending || templates.isPending) return <Loading />;

  const c = campaign.data;
  if (c && c.status !== "draft") {
    return (
      <>
        <PageHeader title={c.name} />
        <Alert color="blue" role="status">
          {t("console.campaigns.wizard.not_draft", { status: t(`console.status.${c.status}`) })}{" "}
          <Anchor component={Link} to={`/campaigns/${c.id}`}>
            {t("console.campaigns.wizard.open_campaign")}
          </Anchor>
        </Alert>
      </>
    );
  }

  const errorsOf = (s: Step) => stepErrors(s, draft);
  const reachable = (s: Step) => s === "audience" || id != null;
  const focusFirstError = () =>
    window.setTimeout(() => document.querySelector<HTMLElement>("[aria-invalid=true]")?.focus(), 0);

  const goTo = (target: Step) => {
    const isNext = indexOf(target) === indexOf(step) + 1;
    if (target === step || (!reachable(target) && !isNext)) return;
    const forward = indexOf(target) > indexOf(step);
    const complete = Object.keys(errorsOf(step)).length === 0;
    if (!complete) {
      if (forward) {
        setAttempted(new Set([...attempted, step]));
        focusFirstError();
        return;
      }
      setParams({ step: target }); // going back never loses input: it stays in the form
      return;
    }
    if (id == null && tenantTemplates.length === 0) return; // the step says a template is needed
    if (id == null || EDITED.has(step)) save.mutate({ from: step, to: target });
    else setParams({ step: target });
  };

  const ctx: StepContext = {
    id,
    draft,
    set: (patch) => setDraft({ ...draft, ...patch }),
    errors: attempted.has(step) ? errorsOf(step) : {},
    problems,
    lists: tenantLists,
    templates: tenantTemplates,
    segments: tenantSegments,
    campaign: c,
    tenantSlug,
    goTo,
  };
  const next = STEPS[indexOf(step) + 1];
  const previous = STEPS[indexOf(step) - 1];

  return (
    <>
      <PageHeader
        title={id == null ? t("console.campaigns.wizard.new_title") : t("console.campaigns.wizard.edit_title", { name: c?.name ?? "" })}
        description={t("console.campaigns.wizard.description")}
        before={
          <Anchor component={Link} to="/campaigns" size="sm">
            ← {t("console.campaigns.title")}
          </Anchor>
        }
      />
      <WizardStepper step={step} reachable={reachable} withProblems={withProblems} onSelect={goTo} />
      <Paper withBorder p="lg" radius="md" component="section" aria-labelledby="wizard-step-title">
        {step === "audience" && <AudienceStep {...ctx} />}
        {step === "content" && <ContentStep {...ctx} />}
        {step === "settings" && <SettingsStep {...ctx} />}
        {step === "review" && <ReviewStep {...ctx} validation={validation} />}
        {step === "test" && <TestSendStep {...ctx} />}
        {step === "schedule" && <ScheduleStep {...ctx} blocked={problems.length > 0 || validation.isPending} />}
        {save.isError && (
          <Alert color="red" role="alert" mt="md">
            {errorText(t, save.error)}
          </Alert>
        )}
        <Group justify="space-between" mt="xl">
          {previous ? (
            <Button variant="default" onClick={() => goTo(previous)} disabled={save.isPending}>
              {t("console.action.back")}
            </Button>
          ) : (
            <span />
          )}
          {next && (
            <Button onClick={() => goTo(next)} loading={save.isPending}>
              {step === "audience" && id == null ? t("console.campaigns.wizard.create_and_continue") : t("console.action.continue")}
            </Button>
          )}
        </Group>
      </Paper>
    </>
  );
}
