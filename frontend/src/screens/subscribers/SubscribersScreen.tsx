// Subscribers: search by address, filter by list and status, open a person's history.
import { Badge, Group, Select, Table, Text, TextInput } from "@mantine/core";
import { useDebouncedValue } from "@mantine/hooks";
import { IconSearch, IconUsers } from "@tabler/icons-react";
import { useQuery } from "@tanstack/react-query";
import { useTranslation } from "react-i18next";
import { Link, useSearchParams } from "react-router-dom";
import { api, unwrap } from "../../api/client";
import { LoadMore } from "../../components/LoadMore";
import { usePaged } from "../../components/usePaged";
import { ScrollTable } from "../../components/ScrollTable";
import { PageHeader } from "../../components/PageHeader";
import { Empty, ErrorState, Loading } from "../../components/states";
import { statusColor } from "../../components/StatusBadge";
import { useFormat } from "../../i18n/format";
import { useTenantQuery } from "../../tenant/TenantContext";

const STATUSES = ["active", "pending", "unsubscribed", "bounced", "complained"] as const;
type Status = (typeof STATUSES)[number];

export default function SubscribersScreen() {
  const { t } = useTranslation();
  const f = useFormat();
  const tenant = useTenantQuery();
  const [params, setParams] = useSearchParams();
  const q = params.get("q") ?? "";
  const listId = params.get("list");
  const status = params.get("status") as Status | null;
  const [debounced] = useDebouncedValue(q.trim(), 300);
  const set = (key: string, value: string | null) => {
    const next = new URLSearchParams(params);
    if (value) next.set(key, value);
    else next.delete(key);
    setParams(next, { replace: true });
  };

  const lists = useQuery({
    queryKey: ["lists", tenant, "all"],
    queryFn: () => unwrap(api.GET("/sys/newsletter/lists", { params: { query: { ...tenant, limit: 500 } } })),
  });
  const query = {
    ...tenant,
    ...(debounced.includes("@") && !debounced.includes(" ") && debounced.split("@")[1]?.includes(".")
      ? { email: debounced }
      : debounced
        ? { q: debounced }
        : {}),
    ...(listId ? { list_id: Number(listId) } : {}),
    ...(status ? { status } : {}),
  };
  const people = usePaged(["subscribers", query], (cursor) =>
    unwrap(
        api.GET("/sys/newsletter/subscribers", {
          params: { query: { ...query, limit: 50, cursor: cursor } },
        }),
      ),
  );
  const rows = people.rows;
  const filtered = Boolean(debounced || listId || status);

  return (
    <>
      <PageHeader title={t("console.subscribers.title")} description={t("console.subscribers.description")} />
      <Group align="flex-end" mb="md" wrap="wrap">
        <TextInput
          label={t("console.subscribers.search")}
          placeholder={t("console.subscribers.search_placeholder")}
          leftSection={<IconSearch size={16} aria-hidden />}
          value={q}
          onChange={(e) => set("q", e.currentTarget.value)}
          w={320}
          type="search"
        />
        <Select
          label={t("console.subscribers.list_filter")}
          placeholder={t("console.subscribers.any_list")}
          data={(lists.data?.items ?? []).map((l) => ({ value: String(l.id), label: l.tenant ? `${l.name} (${l.tenant})` : l.name }))}
          value={listId}
          onChange={(v) => set("list", v)}
          clearable
          searchable
          w={260}
        />
        <Select
          label={t("console.subscribers.status_filter")}
          placeholder={t("console.subscribers.any_status")}
          data={STATUSES.map((s) => ({ value: s, label: t(`console.status.${s}`) }))}
          value={status}
          onChange={(v) => set("status", v)}
          clearable
          w={200}
        />
      </Group>
      {people.isPending && <Loading />}
      {people.isError && <ErrorState error={people.error} onRetry={() => void people.refetch()} />}
      {people.data && rows.length === 0 && (
        <Empty
          icon={<IconUsers aria-hidden />}
          title={filtered ? t("console.subscribers.no_match") : t("console.subscribers.empty")}
          body={filtered ? t("console.subscribers.no_match_body") : t("console.subscribers.empty_body")}
        />
      )}
      {rows.length > 0 && (
        <ScrollTable minWidth={760}>
          <Table highlightOnHover verticalSpacing="sm">
            <Table.Thead>
              <Table.Tr>
                <Table.Th>{t("console.field.email")}</Table.Th>
                <Table.Th>{t("console.field.name")}</Table.Th>
                <Table.Th>{t("console.field.language")}</Table.Th>
                <Table.Th>{t("console.subscribers.subscriptions")}</Table.Th>
                <Table.Th>{t("console.field.created")}</Table.Th>
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {rows.map((s) => (
                <Table.Tr key={s.id}>
                  <Table.Td>
                    <Link className="row-link" to={`/subscribers/${s.id}`}>
                      {s.email}
                    </Link>
                  </Table.Td>
                  <Table.Td>{s.name ?? <Text span c="dimmed">—</Text>}</Table.Td>
                  <Table.Td>{s.language}</Table.Td>
                  <Table.Td>
                    <Group gap={4}>
                      {s.subscriptions.map((sub) => (
                        <Badge
                          key={sub.list_id}
                          variant="dot"
                          tt="none"
                          color={statusColor(sub.status)}
                          radius="sm"
                          title={t(`console.status.${sub.status}`)}
                        >
                          {sub.list} · {t(`console.status.${sub.status}`)}
                        </Badge>
                      ))}
                    </Group>
                  </Table.Td>
                  <Table.Td>{f.date(s.created_at)}</Table.Td>
                </Table.Tr>
              ))}
            </Table.Tbody>
          </Table>
        </ScrollTable>
      )}
      <LoadMore query={people} />
    </>
  );
}
