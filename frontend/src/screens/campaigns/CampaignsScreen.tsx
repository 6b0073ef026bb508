// Campaigns: every campaign of the tenant in view, newest first, filtered by status.
import { Button, Group, SegmentedControl, Table, Text } from "@mantine/core";
import { IconPlus, IconSend } from "@tabler/icons-react";
import { useState } from "react";
import { useTranslation } from "react-i18next";
import { Link } from "react-router-dom";
import { api, unwrap } from "../../api/client";
import { useSession } from "../../auth/session";
import { LoadMore } from "../../components/LoadMore";
import { PageHeader } from "../../components/PageHeader";
import { ScrollTable } from "../../components/ScrollTable";
import { StatusBadge } from "../../components/StatusBadge";
import { Empty, ErrorState, Loading } from "../../components/states";
import { usePaged } from "../../components/usePaged";
import { useFormat } from "../../i18n/format";
import { useTenantQuery } from "../../tenant/TenantContext";

const FILTERS = ["all", "draft", "scheduled", "sending", "paused", "sent", "cancelled"] as const;

export default function CampaignsScreen() {
  const { t } = useTranslation();
  const f = useFormat();
  const { readOnly } = useSession();
  const tenant = useTenantQuery();
  const [status, setStatus] = useState<string>("all");
  const live = (s: string) => s === "scheduled" || s === "sending";
  const campaigns = usePaged(
    ["campaigns", tenant, status],
    (cursor) =>
      unwrap(
        api.GET("/sys/newsletter/campaigns", {
          params: { query: { ...tenant, limit: 50, cursor, status: status === "all" ? undefined : status } },
        }),
      ),
    { refetchInterval: 10_000 },
  );
  const rows = campaigns.rows;
  const newButton = !readOnly && (
    <Button component={Link} to="/campaigns/new" leftSection={<IconPlus size={16} aria-hidden />}>
      {t("console.campaigns.new")}
    </Button>
  );

  return (
    <>
      <PageHeader title={t("console.campaigns.title")} description={t("console.campaigns.description")} actions={newButton} />
      <SegmentedControl
        aria-label={t("console.campaigns.filter")}
        value={status}
        onChange={setStatus}
        data={FILTERS.map((s) => ({
          value: s,
          label: s === "all" ? t("console.campaigns.filter_all") : t(`console.status.${s}`),
        }))}
        mb="md"
        style={{ overflowX: "auto", maxWidth: "100%" }}
      />
      {campaigns.isPending && <Loading />}
      {campaigns.isError && <ErrorState error={campaigns.error} onRetry={() => void campaigns.refetch()} />}
      {campaigns.data && rows.length === 0 && (
        <Empty
          icon={<IconSend aria-hidden />}
          title={status === "all" ? t("console.campaigns.empty") : t("console.campaigns.empty_filtered")}
          body={
            status !== "all"
              ? undefined
              : readOnly
                ? t("console.campaigns.empty_readonly")
                : t("console.campaigns.empty_body")
          }
          action={status === "all" ? newButton : undefined}
        />
      )}
      {rows.length > 0 && (
        <>
          <ScrollTable minWidth={760}>
            <Table highlightOnHover verticalSpacing="sm">
              <Table.Thead>
                <Table.Tr>
                  <Table.Th>{t("console.field.name")}</Table.Th>
                  <Table.Th>{t("console.field.status")}</Table.Th>
                  <Table.Th>{t("console.campaigns.send_time")}</Table.Th>
                  <Table.Th ta="right">{t("console.campaigns.stat.recipients")}</Table.Th>
                  <Table.Th ta="right">{t("console.campaigns.stat.sent")}</Table.Th>
                  <Table.Th ta="right">{t("console.campaigns.stat.opens")}</Table.Th>
                  <Table.Th ta="right">{t("console.campaigns.stat.clicks")}</Table.Th>
                </Table.Tr>
              </Table.Thead>
              <Table.Tbody>
                {rows.map((c) => (
                  <Table.Tr key={c.id}>
                    <Table.Td>
                      <Link className="row-link" to={c.status === "draft" && !readOnly ? `/campaigns/${c.id}/edit` : `/campaigns/${c.id}`}>
                        {c.name}
                      </Link>
                      <Text size="xs" c="dimmed" lineClamp={1}>
                        {c.subject}
                      </Text>
                    </Table.Td>
                    <Table.Td>
                      <StatusBadge status={c.status} />
                    </Table.Td>
                    <Table.Td>
                      {c.finished_at
                        ? f.dateTime(c.finished_at)
                        : c.send_at
                          ? f.dateTime(c.send_at)
                          : t("console.campaigns.not_scheduled")}
                      {live(c.status) && c.started_at && (
                        <Text size="xs" c="dimmed">
                          {t("console.campaigns.started", { when: f.dateTime(c.started_at) })}
                        </Text>
                      )}
                    </Table.Td>
                    <Table.Td ta="right">{c.stats.recipients != null ? f.number(c.stats.recipients) : "—"}</Table.Td>
                    <Table.Td ta="right">{c.stats.sent != null ? f.number(c.stats.sent) : "—"}</Table.Td>
                    <Table.Td ta="right">{c.stats.opens != null ? f.number(c.stats.opens) : "—"}</Table.Td>
                    <Table.Td ta="right">{c.stats.clicks != null ? f.number(c.stats.clicks) : "—"}</Table.Td>
                  </Table.Tr>
                ))}
              </Table.Tbody>
            </Table>
          </ScrollTable>
          <Group justify="center">
            <LoadMore query={campaigns} />
          </Group>
        </>
      )}
    </>
  );
}
