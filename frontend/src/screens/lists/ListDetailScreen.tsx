// One list: its audience by status, settings, import history, and what can be done with it.
import { Anchor, Badge, Breadcrumbs, Button, Card, Group, Menu, SimpleGrid, Table, Text, Title } from "@mantine/core";
import { useDisclosure } from "@mantine/hooks";
import { IconChevronDown, IconDownload, IconFileImport, IconPencil, IconUsers } from "@tabler/icons-react";
import { useQuery } from "@tanstack/react-query";
import { useTranslation } from "react-i18next";
import { Link, useParams } from "react-router-dom";
import { api, downloadUrl, unwrap } from "../../api/client";
import { ScrollTable } from "../../components/ScrollTable";
import { PageHeader } from "../../components/PageHeader";
import { StatusBadge } from "../../components/StatusBadge";
import { Empty, ErrorState, Loading } from "../../components/states";
import { useSession } from "../../auth/session";
import { useFormat } from "../../i18n/format";
import { ListFormModal } from "./ListFormModal";

const STATUSES = ["active", "pending", "unsubscribed", "bounced", "complained"] as const;

export default function ListDetailScreen() {
  const { t } = useTranslation();
  const f = useFormat();
  const { readOnly } = useSession();
  const listId = Number(useParams().listId);
  const [editing, { open, close }] = useDisclosure(false);
  const list = useQuery({
    queryKey: ["list", listId],
    queryFn: () => unwrap(api.GET("/sys/newsletter/lists/{list_id}", { params: { path: { list_id: listId } } })),
  });
  const imports = useQuery({
    queryKey: ["imports", listId],
    queryFn: () =>
      unwrap(api.GET("/sys/newsletter/lists/{list_id}/imports", { params: { path: { list_id: listId }, query: { limit: 10 } } })),
  });

  const crumbs = (
    <Breadcrumbs>
      <Anchor component={Link} to="/lists" size="sm">
        {t("console.lists.title")}
      </Anchor>
      <Text size="sm">{list.data?.name ?? "…"}</Text>
    </Breadcrumbs>
  );
  if (list.isPending) return <Loading />;
  if (list.isError) return <ErrorState error={list.error} onRetry={() => void list.refetch()} />;
  const l = list.data;
  const exportLink = (status?: string) =>
    downloadUrl(`/sys/newsletter/lists/${l.id}/export.csv`, { status });

  return (
    <>
      <PageHeader
        before={crumbs}
        title={l.name}
        description={l.description ?? undefined}
        actions={
          <>
            <Button component={Link} to={`/subscribers?list=${l.id}`} variant="default" leftSection={<IconUsers size={16} aria-hidden />}>
              {t("console.lists.view_subscribers")}
            </Button>
            <Menu position="bottom-end">
              <Menu.Target>
                <Button variant="default" leftSection={<IconDownload size={16} aria-hidden />} rightSection={<IconChevronDown size={14} aria-hidden />}>
                  {t("console.lists.export")}
                </Button>
              </Menu.Target>
              <Menu.Dropdown>
                <Menu.Item component="a" href={exportLink("active")} download>
                  {t("console.lists.export_active")}
                </Menu.Item>
                <Menu.Item component="a" href={exportLink()} download>
                  {t("console.lists.export_all")}
                </Menu.Item>
              </Menu.Dropdown>
            </Menu>
            {!readOnly && (
              <>
                <Button variant="default" leftSection={<IconPencil size={16} aria-hidden />} onClick={open}>
                  {t("console.action.edit")}
                </Button>
                <Button component={Link} to={`/lists/${l.id}/import`} leftSection={<IconFileImport size={16} aria-hidden />}>
                  {t("console.lists.import")}
                </Button>
              </>
            )}
          </>
        }
      />
      <SimpleGrid cols={{ base: 2, sm: 3, lg: 5 }} mb="lg">
        {STATUSES.map((s) => (
          <Card withBorder key={s} padding="md">
            <StatusBadge status={s} />
            <Text fz={26} fw={700} mt={4}>
              {f.number(l.counts?.[s] ?? 0)}
            </Text>
          </Card>
        ))}
      </SimpleGrid>
      <SimpleGrid cols={{ base: 1, lg: 2 }} spacing="lg">
        <Card withBorder padding="lg">
          <Title order={2} fz="lg" mb="sm">
            {t("console.lists.settings")}
          </Title>
          <Table variant="vertical" layout="fixed" withTableBorder={false}>
            <Table.Tbody>
              <Table.Tr>
                <Table.Th w={200}>{t("console.lists.slug")}</Table.Th>
                <Table.Td>{l.slug}</Table.Td>
              </Table.Tr>
              <Table.Tr>
                <Table.Th>{t("console.field.tenant")}</Table.Th>
                <Table.Td>{l.tenant ?? t("console.tenant.platform")}</Table.Td>
              </Table.Tr>
              <Table.Tr>
                <Table.Th>{t("console.lists.opt_in")}</Table.Th>
                <Table.Td>{l.double_opt_in ? t("console.lists.double") : t("console.lists.single")}</Table.Td>
              </Table.Tr>
              <Table.Tr>
                <Table.Th>{t("console.lists.languages")}</Table.Th>
                <Table.Td>
                  <Group gap={4}>
                    {(l.languages ?? []).map((code) => (
                      <Badge key={code} variant="outline" color="gray" radius="sm">
                        {code}
                      </Badge>
                    ))}
                  </Group>
                </Table.Td>
              </Table.Tr>
              <Table.Tr>
                <Table.Th>{t("console.lists.timezone")}</Table.Th>
                <Table.Td>{l.timezone ?? "—"}</Table.Td>
              </Table.Tr>
              <Table.Tr>
                <Table.Th>{t("console.field.created")}</Table.Th>
                <Table.Td>{f.dateTime(l.created_at)}</Table.Td>
              </Table.Tr>
            </Table.Tbody>
          </Table>
        </Card>
        <Card withBorder padding="lg">
          <Title order={2} fz="lg" mb="sm">
            {t("console.lists.imports")}
          </Title>
          {imports.isPending && <Loading />}
          {imports.isError && <ErrorState error={imports.error} onRetry={() => void imports.refetch()} />}
          {imports.data?.items.length === 0 && (
            <Empty title={t("console.lists.no_imports")} body={readOnly ? undefined : t("console.lists.no_imports_body")} />
          )}
          {imports.data && imports.data.items.length > 0 && (
            <ScrollTable minWidth={480}>
              <Table verticalSpacing="xs">
                <Table.Thead>
                  <Table.Tr>
                    <Table.Th>{t("console.imports.file")}</Table.Th>
                    <Table.Th>{t("console.field.status")}</Table.Th>
                    <Table.Th ta="right">{t("console.imports.imported")}</Table.Th>
                    <Table.Th ta="right">{t("console.imports.rejected")}</Table.Th>
                    <Table.Th>{t("console.field.created")}</Table.Th>
                  </Table.Tr>
                </Table.Thead>
                <Table.Tbody>
                  {imports.data.items.map((job) => (
                    <Table.Tr key={job.id}>
                      <Table.Td>
                        {readOnly ? (
                          job.filename ?? `#${job.id}`
                        ) : (
                          <Link className="row-link" to={`/lists/${l.id}/import?job=${job.id}`}>
                            {job.filename ?? `#${job.id}`}
                          </Link>
                        )}
                      </Table.Td>
                      <Table.Td>
                        <StatusBadge status={job.status} />
                      </Table.Td>
                      <Table.Td ta="right">{f.number(job.rows_imported)}</Table.Td>
                      <Table.Td ta="right">{f.number(job.rows_rejected)}</Table.Td>
                      <Table.Td>{f.dateTime(job.created_at)}</Table.Td>
                    </Table.Tr>
                  ))}
                </Table.Tbody>
              </Table>
            </ScrollTable>
          )}
        </Card>
      </SimpleGrid>
      {editing && <ListFormModal opened onClose={close} list={l} />}
    </>
  );
}
