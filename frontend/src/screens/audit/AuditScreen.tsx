// The audit trail: who did what, when, to whom; filtered, paged, exportable as CSV.
import { Button, Code, Group, Select, Table, Text, TextInput } from "@mantine/core";
import { IconDownload, IconHistory } from "@tabler/icons-react";
import { useTranslation } from "react-i18next";
import { useSearchParams } from "react-router-dom";
import { api, downloadUrl, unwrap } from "../../api/client";
import { LoadMore } from "../../components/LoadMore";
import { usePaged } from "../../components/usePaged";
import { ScrollTable } from "../../components/ScrollTable";
import { PageHeader } from "../../components/PageHeader";
import { Empty, ErrorState, Loading } from "../../components/states";
import { useFormat } from "../../i18n/format";
import { useTenantQuery } from "../../tenant/TenantContext";

const AREAS = [
  "newsletter.subscribe",
  "newsletter.import",
  "newsletter.export",
  "newsletter.gdpr_erase",
  "newsletter.suppression",
  "newsletter.list",
  "newsletter.subscriber",
  "newsletter.campaign",
  "console.",
] as const;
const ACTORS = ["operator", "api_token", "subscriber", "system"] as const;

/** A calendar day typed in the filter, as the start of that day in the operator's time zone. */
function dayStart(value: string | null, plusDays = 0): string | undefined {
  if (!value) return undefined;
  const d = new Date(`${value}T00:00:00`);
  d.setDate(d.getDate() + plusDays);
  return d.toISOString();
}

export default function AuditScreen() {
  const { t } = useTranslation();
  const f = useFormat();
  const tenant = useTenantQuery();
  const [params, setParams] = useSearchParams();
  const set = (key: string, value: string | null) => {
    const next = new URLSearchParams(params);
    if (value) next.set(key, value);
    else next.delete(key);
    setParams(next, { replace: true });
  };
  const filters = {
    ...tenant,
    action: params.get("action") ?? undefined,
    actor_type: params.get("actor") ?? undefined,
    since: dayStart(params.get("since")),
    until: dayStart(params.get("until"), 1),
  };
  const entries = usePaged(["audit", filters], (cursor) =>
    unwrap(api.GET("/sys/newsletter/audit", { params: { query: { ...filters, limit: 50, cursor: cursor } } })),
  );
  const rows = entries.rows;
  const exportHref = downloadUrl("/sys/newsletter/audit/export.csv", filters);

  return (
    <>
      <PageHeader
        title={t("console.audit.title")}
        description={t("console.audit.description")}
        actions={
          <Button component="a" href={exportHref} download variant="default" leftSection={<IconDownload size={16} aria-hidden />}>
            {t("console.audit.export")}
          </Button>
        }
      />
      <Group align="flex-end" mb="md" wrap="wrap">
        <Select
          label={t("console.audit.area")}
          placeholder={t("console.audit.any_area")}
          data={AREAS.map((a) => ({ value: a, label: t(`console.audit.area.${a}`, { defaultValue: a }) }))}
          value={params.get("action")}
          onChange={(v) => set("action", v)}
          clearable
          w={240}
        />
        <Select
          label={t("console.audit.actor")}
          placeholder={t("console.audit.any_actor")}
          data={ACTORS.map((a) => ({ value: a, label: t(`console.audit.actor.${a}`) }))}
          value={params.get("actor")}
          onChange={(v) => set("actor", v)}
          clearable
          w={200}
        />
        <TextInput label={t("console.audit.since")} type="date" value={params.get("since") ?? ""} onChange={(e) => set("since", e.currentTarget.value || null)} />
        <TextInput label={t("console.audit.until")} type="date" value={params.get("until") ?? ""} onChange={(e) => set("until", e.currentTarget.value || null)} />
      </Group>
      {entries.isPending && <Loading />}
      {entries.isError && <ErrorState error={entries.error} onRetry={() => void entries.refetch()} />}
      {entries.data && rows.length === 0 && (
        <Empty icon={<IconHistory aria-hidden />} title={t("console.audit.empty")} body={t("console.audit.empty_body")} />
      )}
      {rows.length > 0 && (
        <ScrollTable minWidth={900}>
          <Table verticalSpacing="sm" fz="sm">
            <Table.Thead>
              <Table.Tr>
                <Table.Th>{t("console.audit.when")}</Table.Th>
                <Table.Th>{t("console.audit.what")}</Table.Th>
                <Table.Th>{t("console.audit.who")}</Table.Th>
                <Table.Th>{t("console.audit.target")}</Table.Th>
                <Table.Th>{t("console.audit.details")}</Table.Th>
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {rows.map((e) => (
                <Table.Tr key={e.id}>
                  <Table.Td style={{ whiteSpace: "nowrap" }}>{f.dateTime(e.at)}</Table.Td>
                  <Table.Td>
                    {t(`console.audit.action.${e.action}`, { defaultValue: e.action })}
                    <Text size="xs" c="dimmed">
                      {e.action}
                    </Text>
                  </Table.Td>
                  <Table.Td>
                    {t(`console.audit.actor.${e.actor_type}`, { defaultValue: e.actor_type })}
                    {e.actor_id ? ` #${e.actor_id}` : ""}
                  </Table.Td>
                  <Table.Td>{e.target_type ? `${e.target_type} ${e.target_id ?? ""}` : "—"}</Table.Td>
                  <Table.Td>
                    {Object.keys(e.details).length > 0 && <Code block>{JSON.stringify(e.details)}</Code>}
                  </Table.Td>
                </Table.Tr>
              ))}
            </Table.Tbody>
          </Table>
        </ScrollTable>
      )}
      <LoadMore query={entries} />
    </>
  );
}
