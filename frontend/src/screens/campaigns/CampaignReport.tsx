// A campaign's report: figures with rates, opens and clicks per hour, clicks per link, and
// the recipients who did not get it (and why), with a retry for failed sends.
import { Alert, Button, Card, Group, SegmentedControl, SimpleGrid, Stack, Table, Text, Title } from "@mantine/core";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import { useTranslation } from "react-i18next";
import { Link } from "react-router-dom";
import { Bar, CartesianGrid, ComposedChart, Legend, Line, ResponsiveContainer, Tooltip, XAxis, YAxis } from "recharts";
import { api, unwrap } from "../../api/client";
import type { CampaignOut } from "../../api/types";
import type { components } from "../../api/schema";
import { useSession } from "../../auth/session";
import { LoadMore } from "../../components/LoadMore";
import { ScrollTable } from "../../components/ScrollTable";
import { Empty, ErrorState, Loading, errorText } from "../../components/states";
import { usePaged } from "../../components/usePaged";
import { useFormat } from "../../i18n/format";
import { rate } from "./wizard";

type HourOut = components["schemas"]["HourOut"];

/** Opens and clicks per hour, all and human, as rows for the chart. */
export function timelineRows(timeline: HourOut[]) {
  const byHour = new Map<string, { hour: string; opens: number; human_opens: number; clicks: number; human_clicks: number }>();
  for (const p of timeline) {
    const row = byHour.get(p.hour) ?? { hour: p.hour, opens: 0, human_opens: 0, clicks: 0, human_clicks: 0 };
    if (p.kind === "open") {
      row.opens += p.count;
      row.human_opens += p.human;
    } else if (p.kind === "click") {
      row.clicks += p.count;
      row.human_clicks += p.human;
    }
    byHour.set(p.hour, row);
  }
  return [...byHour.values()].sort((a, b) => a.hour.localeCompare(b.hour));
}

function Stat({ label, value, note }: { label: string; value: string; note?: string }) {
  return (
    <Card withBorder radius="md" padding="sm">
      <Text size="xs" c="dimmed">
        {label}
      </Text>
      <Text fw={700} fz="xl">
        {value}
      </Text>
      {note && (
        <Text size="xs" c="dimmed">
          {note}
        </Text>
      )}
    </Card>
  );
}

const DELIVERY_FILTERS = ["failed", "skipped", "queued", "sent"] as const;

export function CampaignReport({ campaign, live }: { campaign: CampaignOut; live: boolean }) {
  const { t } = useTranslation();
  const f = useFormat();
  const qc = useQueryClient();
  const { readOnly } = useSession();
  const id = campaign.id;
  const [status, setStatus] = useState<string>("failed");
  const report = useQuery({
    queryKey: ["campaign", id, "report"],
    queryFn: () => unwrap(api.GET("/sys/newsletter/campaigns/{campaign_id}/report", { params: { path: { campaign_id: id } } })),
    refetchInterval: live ? 4000 : 30_000,
  });
  const deliveries = usePaged(["campaign", id, "deliveries", status], (cursor) =>
    unwrap(
      api.GET("/sys/newsletter/campaigns/{campaign_id}/deliveries", {
        params: { path: { campaign_id: id }, query: { status, cursor, limit: 50 } },
      }),
    ),
  );
  const retry = useMutation({
    mutationFn: () => unwrap(api.POST("/sys/newsletter/campaigns/{campaign_id}/retry-failed", { params: { path: { campaign_id: id } } })),
    onSuccess: () => void qc.invalidateQueries({ queryKey: ["campaign", id] }),
  });

  if (report.isPending) return <Loading />;
  if (report.isError) return <ErrorState error={report.error} onRetry={() => void report.refetch()} />;
  const s = report.data.stats;
  const n = (k: string) => s[k] ?? 0;
  const sent = n("sent");
  const pct = (part: number) => t("console.campaigns.report.of_sent", { rate: f.percent(rate(part, sent)) });
  const rows = timelineRows(report.data.timeline);
  const machineOpens = Math.max(0, n("opens") - n("human_opens"));
  const summary = t("console.campaigns.report.chart_summary", {
    opens: f.number(rows.reduce((a, r) => a + r.opens, 0)),
    clicks: f.number(rows.reduce((a, r) => a + r.clicks, 0)),
    hours: rows.length,
  });
  const hourLabel = (h: string) => f.dateTime(h.length === 16 ? `${h}:00Z` : h);

  return (
    <Stack gap="lg">
      <SimpleGrid cols={{ base: 2, sm: 3, lg: 4 }} spacing="sm">
        <Stat label={t("console.campaigns.stat.recipients")} value={f.number(n("recipients"))} />
        <Stat label={t("console.campaigns.stat.sent")} value={f.number(sent)} note={t("console.campaigns.report.delivered", { n: f.number(n("delivered")) })} />
        <Stat label={t("console.campaigns.stat.opens")} value={f.number(n("opens"))} note={pct(n("opens"))} />
        <Stat
          label={t("console.campaigns.report.human_opens")}
          value={f.number(n("human_opens"))}
          note={t("console.campaigns.report.machine_opens", { n: f.number(machineOpens) })}
        />
        <Stat label={t("console.campaigns.stat.clicks")} value={f.number(n("clicks"))} note={pct(n("clicks"))} />
        <Stat label={t("console.campaigns.stat.unsubscribes")} value={f.number(n("unsubscribes"))} note={pct(n("unsubscribes"))} />
        <Stat label={t("console.campaigns.stat.bounces")} value={f.number(n("bounces"))} note={pct(n("bounces"))} />
        <Stat label={t("console.campaigns.stat.complaints")} value={f.number(n("complaints"))} note={pct(n("complaints"))} />
      </SimpleGrid>
      <Text size="xs" c="dimmed">
        {t("console.campaigns.report.machine_note")}
      </Text>

      <Card withBorder radius="md" padding="lg">
        <Title order={3} fz="md" mb="sm">
          {t("console.campaigns.report.timeline")}
        </Title>
        {rows.length === 0 ? (
          <Text c="dimmed" size="sm">
            {t("console.campaigns.report.no_events")}
          </Text>
        ) : (
          <figure style={{ margin: 0 }}>
            <div style={{ width: "100%", height: 260 }} role="img" aria-label={summary}>
              <ResponsiveContainer>
                <ComposedChart data={rows} margin={{ top: 8, right: 8, left: 0, bottom: 0 }}>
                  <CartesianGrid strokeDasharray="3 3" vertical={false} />
                  <XAxis dataKey="hour" tickFormatter={hourLabel} minTickGap={24} fontSize={12} />
                  <YAxis fontSize={12} width={48} allowDecimals={false} tickFormatter={(v: number) => f.number(v)} />
                  <Tooltip labelFormatter={(v) => hourLabel(String(v))} formatter={(value, name) => [f.number(Number(value)), String(name)]} />
                  <Legend />
                  <Bar dataKey="opens" name={t("console.campaigns.stat.opens")} fill="#a5d8ff" />
                  <Bar dataKey="clicks" name={t("console.campaigns.stat.clicks")} fill="#2b8a3e" />
                  <Line dataKey="human_opens" name={t("console.campaigns.report.human_opens")} stroke="#1864ab" dot={false} />
                  <Line dataKey="human_clicks" name={t("console.campaigns.report.human_clicks")} stroke="#5c940d" dot={false} />
                </ComposedChart>
              </ResponsiveContainer>
            </div>
            <Text component="figcaption" size="sm" c="dimmed" mt="xs">
              {summary}
            </Text>
          </figure>
        )}
      </Card>

      <Card withBorder radius="md" padding="lg">
        <Title order={3} fz="md" mb="sm">
          {t("console.campaigns.report.links")}
        </Title>
        {report.data.links.length === 0 ? (
          <Text c="dimmed" size="sm">
            {t("console.campaigns.report.no_links")}
          </Text>
        ) : (
          <ScrollTable minWidth={560}>
            <Table verticalSpacing="xs" fz="sm">
              <Table.Thead>
                <Table.Tr>
                  <Table.Th>{t("console.campaigns.report.link")}</Table.Th>
                  <Table.Th ta="right">{t("console.campaigns.stat.clicks")}</Table.Th>
                  <Table.Th ta="right">{t("console.campaigns.report.unique_clicks")}</Table.Th>
                </Table.Tr>
              </Table.Thead>
              <Table.Tbody>
                {report.data.links.map((l) => (
                  <Table.Tr key={l.id}>
                    <Table.Td style={{ overflowWrap: "anywhere" }}>{l.url}</Table.Td>
                    <Table.Td ta="right">{f.number(l.clicks)}</Table.Td>
                    <Table.Td ta="right">{f.number(l.unique_clicks)}</Table.Td>
                  </Table.Tr>
                ))}
              </Table.Tbody>
            </Table>
          </ScrollTable>
        )}
      </Card>

      <Card withBorder radius="md" padding="lg">
        <Group justify="space-between" mb="sm" wrap="wrap">
          <Title order={3} fz="md">
            {t("console.campaigns.report.deliveries")}
          </Title>
          {!readOnly && n("failed") > 0 && (
            <Button size="xs" variant="light" loading={retry.isPending} onClick={() => retry.mutate()}>
              {t("console.campaigns.report.retry", { n: f.number(n("failed")) })}
            </Button>
          )}
        </Group>
        {retry.data && (
          <Alert color="blue" role="status" mb="sm">
            {t("console.campaigns.report.retried", { n: f.number(retry.data.requeued) })}
          </Alert>
        )}
        {retry.isError && (
          <Alert color="red" role="alert" mb="sm">
            {errorText(t, retry.error)}
          </Alert>
        )}
        <SegmentedControl
          aria-label={t("console.campaigns.report.delivery_filter")}
          value={status}
          onChange={setStatus}
          data={DELIVERY_FILTERS.map((d) => ({ value: d, label: t(`console.campaigns.delivery.${d}`) }))}
          mb="sm"
        />
        {deliveries.isPending && <Loading />}
        {deliveries.isError && <ErrorState error={deliveries.error} onRetry={() => void deliveries.refetch()} />}
        {deliveries.data && deliveries.rows.length === 0 && <Empty title={t("console.campaigns.report.no_deliveries")} />}
        {deliveries.rows.length > 0 && (
          <>
            <ScrollTable minWidth={640}>
              <Table verticalSpacing="xs" fz="sm">
                <Table.Thead>
                  <Table.Tr>
                    <Table.Th>{t("console.field.email")}</Table.Th>
                    <Table.Th>{t("console.campaigns.report.reason")}</Table.Th>
                    <Table.Th>{t("console.campaigns.report.when")}</Table.Th>
                    <Table.Th ta="right">{t("console.campaigns.report.attempts")}</Table.Th>
                  </Table.Tr>
                </Table.Thead>
                <Table.Tbody>
                  {deliveries.rows.map((d) => (
                    <Table.Tr key={d.id}>
                      <Table.Td>
                        {d.subscriber_id ? (
                          <Link className="row-link" to={`/subscribers/${d.subscriber_id}`}>
                            {d.email ?? `#${d.subscriber_id}`}
                          </Link>
                        ) : (
                          (d.email ?? t("console.campaigns.report.erased"))
                        )}
                      </Table.Td>
                      <Table.Td>
                        {d.reason ? t(`console.campaigns.reason.${d.reason}`, { defaultValue: d.reason }) : ""}
                        {d.error && (
                          <Text size="xs" c="dimmed" style={{ overflowWrap: "anywhere" }}>
                            {d.error}
                          </Text>
                        )}
                      </Table.Td>
                      <Table.Td>{f.dateTime(d.sent_at ?? d.due_at)}</Table.Td>
                      <Table.Td ta="right">{f.number(d.attempts)}</Table.Td>
                    </Table.Tr>
                  ))}
                </Table.Tbody>
              </Table>
            </ScrollTable>
            <LoadMore query={deliveries} />
          </>
        )}
      </Card>
    </Stack>
  );
}
