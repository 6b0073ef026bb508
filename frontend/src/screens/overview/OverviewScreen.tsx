// The dashboard: audience size and growth, deliverability at a glance, recent campaigns.
import { Anchor, Card, Group, SimpleGrid, Stack, Table, Text, Title } from "@mantine/core";
import { IconAlertTriangle, IconCircleCheck } from "@tabler/icons-react";
import { useQuery } from "@tanstack/react-query";
import { useTranslation } from "react-i18next";
import { Link } from "react-router-dom";
import { api, unwrap } from "../../api/client";
import { Empty, ErrorState, Loading } from "../../components/states";
import { PageHeader } from "../../components/PageHeader";
import { StatusBadge } from "../../components/StatusBadge";
import { useFormat } from "../../i18n/format";
import { useTenantQuery } from "../../tenant/TenantContext";
import { AudienceChart } from "./AudienceChart";

function Stat({ label, value, hint }: { label: string; value: string; hint?: string }) {
  return (
    <Card withBorder padding="md">
      <Text size="sm" c="dimmed">
        {label}
      </Text>
      <Text fz={28} fw={700} lh={1.3}>
        {value}
      </Text>
      {hint && (
        <Text size="xs" c="dimmed">
          {hint}
        </Text>
      )}
    </Card>
  );
}

// Above these rates mailbox providers start to distrust a sender.
const BOUNCE_WARN = 0.02;
const COMPLAINT_WARN = 0.001;

export default function OverviewScreen() {
  const { t } = useTranslation();
  const f = useFormat();
  const tenant = useTenantQuery();
  const overview = useQuery({
    queryKey: ["overview", tenant],
    queryFn: () => unwrap(api.GET("/sys/newsletter/overview", { params: { query: { ...tenant, days: 30 } } })),
  });
  const campaigns = useQuery({
    queryKey: ["campaigns", "recent", tenant],
    queryFn: () => unwrap(api.GET("/sys/newsletter/campaigns", { params: { query: { ...tenant, limit: 5 } } })),
  });

  const o = overview.data;
  const delivered = o ? o.sent : 0;
  const bounceRate = o && delivered ? o.bounced / delivered : 0;
  const complaintRate = o && delivered ? o.complained / delivered : 0;
  const healthy = bounceRate <= BOUNCE_WARN && complaintRate <= COMPLAINT_WARN;

  return (
    <>
      <PageHeader title={t("console.overview.title")} description={t("console.overview.description")} />
      {overview.isPending && <Loading />}
      {overview.isError && <ErrorState error={overview.error} onRetry={() => void overview.refetch()} />}
      {o && (
        <Stack gap="lg">
          <SimpleGrid cols={{ base: 2, md: 4 }}>
            <Stat label={t("console.overview.active")} value={f.number(o.statuses.active ?? 0)} />
            <Stat label={t("console.overview.pending")} value={f.number(o.statuses.pending ?? 0)} />
            <Stat label={t("console.overview.lists")} value={f.number(o.lists)} />
            <Stat label={t("console.overview.suppressed")} value={f.number(o.suppressions)} />
          </SimpleGrid>
          <Card withBorder padding="lg">
            <Title order={2} fz="lg" mb="xs">
              {t("console.overview.audience_title", { days: o.window_days })}
            </Title>
            <AudienceChart overview={o} />
          </Card>
          <SimpleGrid cols={{ base: 1, md: 2 }}>
            <Card withBorder padding="lg">
              <Group justify="space-between" mb="sm">
                <Title order={2} fz="lg">
                  {t("console.overview.deliverability")}
                </Title>
                <Group gap={6} c={healthy ? "teal.9" : "orange.9"}>
                  {healthy ? <IconCircleCheck size={18} aria-hidden /> : <IconAlertTriangle size={18} aria-hidden />}
                  <Text size="sm" fw={600}>
                    {healthy ? t("console.overview.healthy") : t("console.overview.attention")}
                  </Text>
                </Group>
              </Group>
              <SimpleGrid cols={2}>
                <Stat label={t("console.overview.sent")} value={f.number(o.sent)} hint={t("console.overview.window", { days: o.window_days })} />
                <Stat label={t("console.overview.failed")} value={f.number(o.failed)} />
                <Stat
                  label={t("console.overview.bounced")}
                  value={f.number(o.bounced)}
                  hint={delivered ? f.percent(bounceRate) : undefined}
                />
                <Stat
                  label={t("console.overview.complained")}
                  value={f.number(o.complained)}
                  hint={delivered ? f.percent(complaintRate) : undefined}
                />
              </SimpleGrid>
            </Card>
            <Card withBorder padding="lg">
              <Title order={2} fz="lg" mb="sm">
                {t("console.overview.recent_campaigns")}
              </Title>
              {campaigns.isPending && <Loading />}
              {campaigns.isError && <ErrorState error={campaigns.error} onRetry={() => void campaigns.refetch()} />}
              {campaigns.data && campaigns.data.items.length === 0 && (
                <Empty title={t("console.overview.no_campaigns")} body={t("console.overview.no_campaigns_body")} />
              )}
              {campaigns.data && campaigns.data.items.length > 0 && (
                <Table verticalSpacing="xs">
                  <Table.Thead>
                    <Table.Tr>
                      <Table.Th>{t("console.field.name")}</Table.Th>
                      <Table.Th>{t("console.field.status")}</Table.Th>
                      <Table.Th>{t("console.field.created")}</Table.Th>
                    </Table.Tr>
                  </Table.Thead>
                  <Table.Tbody>
                    {campaigns.data.items.map((c) => (
                      <Table.Tr key={c.id}>
                        <Table.Td>
                          <Anchor component={Link} to={`/campaigns/${c.id}`}>
                            {c.name}
                          </Anchor>
                        </Table.Td>
                        <Table.Td>
                          <StatusBadge status={c.status} />
                        </Table.Td>
                        <Table.Td>{f.date(c.created_at)}</Table.Td>
                      </Table.Tr>
                    ))}
                  </Table.Tbody>
                </Table>
              )}
            </Card>
          </SimpleGrid>
        </Stack>
      )}
    </>
  );
}
