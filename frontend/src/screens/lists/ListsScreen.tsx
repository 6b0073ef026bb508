// Lists: every list in view with its audience, and (platform operators) a new list.
import { Badge, Button, Group, Table, Text, TextInput } from "@mantine/core";
import { useDisclosure } from "@mantine/hooks";
import { IconPlus, IconSearch } from "@tabler/icons-react";
import { useState } from "react";
import { useTranslation } from "react-i18next";
import { Link } from "react-router-dom";
import { api, unwrap } from "../../api/client";
import { LoadMore } from "../../components/LoadMore";
import { usePaged } from "../../components/usePaged";
import { ScrollTable } from "../../components/ScrollTable";
import { PageHeader } from "../../components/PageHeader";
import { Empty, ErrorState, Loading } from "../../components/states";
import { useSession } from "../../auth/session";
import { useFormat } from "../../i18n/format";
import { useTenantQuery } from "../../tenant/TenantContext";
import { ListFormModal } from "./ListFormModal";

export default function ListsScreen() {
  const { t } = useTranslation();
  const f = useFormat();
  const { readOnly } = useSession();
  const tenant = useTenantQuery();
  const [search, setSearch] = useState("");
  const [creating, { open, close }] = useDisclosure(false);
  const lists = usePaged(["lists", tenant], (cursor) =>
    unwrap(
        api.GET("/sys/newsletter/lists", {
          params: { query: { ...tenant, counts: true, limit: 100, cursor: cursor } },
        }),
      ),
  );
  const all = lists.rows;
  const needle = search.trim().toLowerCase();
  const shown = needle
    ? all.filter((l) => l.name.toLowerCase().includes(needle) || l.slug.includes(needle))
    : all;

  return (
    <>
      <PageHeader
        title={t("console.lists.title")}
        description={t("console.lists.description")}
        actions={
          !readOnly && (
            <Button leftSection={<IconPlus size={16} aria-hidden />} onClick={open}>
              {t("console.lists.new")}
            </Button>
          )
        }
      />
      {lists.isPending && <Loading />}
      {lists.isError && <ErrorState error={lists.error} onRetry={() => void lists.refetch()} />}
      {lists.data && all.length === 0 && (
        <Empty
          title={t("console.lists.empty")}
          body={readOnly ? t("console.lists.empty_readonly") : t("console.lists.empty_body")}
          action={
            !readOnly && (
              <Button onClick={open} leftSection={<IconPlus size={16} aria-hidden />}>
                {t("console.lists.new")}
              </Button>
            )
          }
        />
      )}
      {all.length > 0 && (
        <>
          <TextInput
            label={t("console.lists.search")}
            placeholder={t("console.lists.search_placeholder")}
            leftSection={<IconSearch size={16} aria-hidden />}
            value={search}
            onChange={(e) => setSearch(e.currentTarget.value)}
            maw={360}
            mb="md"
          />
          <ScrollTable minWidth={720}>
            <Table highlightOnHover verticalSpacing="sm">
              <Table.Thead>
                <Table.Tr>
                  <Table.Th>{t("console.field.name")}</Table.Th>
                  <Table.Th>{t("console.field.tenant")}</Table.Th>
                  <Table.Th ta="right">{t("console.status.active")}</Table.Th>
                  <Table.Th ta="right">{t("console.status.pending")}</Table.Th>
                  <Table.Th ta="right">{t("console.status.unsubscribed")}</Table.Th>
                  <Table.Th>{t("console.lists.opt_in")}</Table.Th>
                </Table.Tr>
              </Table.Thead>
              <Table.Tbody>
                {shown.map((l) => (
                  <Table.Tr key={l.id}>
                    <Table.Td>
                      <Link className="row-link" to={`/lists/${l.id}`}>
                        {l.name}
                      </Link>
                      <Text size="xs" c="dimmed">
                        {l.slug}
                        {l.archived ? ` · ${t("console.lists.archived")}` : ""}
                      </Text>
                    </Table.Td>
                    <Table.Td>{l.tenant ?? t("console.tenant.platform")}</Table.Td>
                    <Table.Td ta="right">{f.number(l.counts?.active ?? 0)}</Table.Td>
                    <Table.Td ta="right">{f.number(l.counts?.pending ?? 0)}</Table.Td>
                    <Table.Td ta="right">{f.number(l.counts?.unsubscribed ?? 0)}</Table.Td>
                    <Table.Td>
                      <Badge variant="dot" tt="none" color={l.double_opt_in ? "teal" : "gray"} radius="sm">
                        {l.double_opt_in ? t("console.lists.double") : t("console.lists.single")}
                      </Badge>
                    </Table.Td>
                  </Table.Tr>
                ))}
              </Table.Tbody>
            </Table>
          </ScrollTable>
          {shown.length === 0 && <Empty title={t("console.lists.no_match")} />}
          <Group justify="center">
            <LoadMore query={lists} />
          </Group>
        </>
      )}
      <ListFormModal opened={creating} onClose={close} />
    </>
  );
}
