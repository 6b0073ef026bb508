// Organisations. Platform operators: every tenant with its lists and whether its postal address
// is set, and "New organisation". Tenant admins: their own organisation, read-only.
import { Alert, Button, Table, Text, TextInput } from "@mantine/core";
import { useDisclosure } from "@mantine/hooks";
import { IconInfoCircle, IconPlus, IconSearch } from "@tabler/icons-react";
import { useQuery } from "@tanstack/react-query";
import { useState } from "react";
import { useTranslation } from "react-i18next";
import { Link } from "react-router-dom";
import { api, unwrap } from "../../api/client";
import { useSession } from "../../auth/session";
import { PageHeader } from "../../components/PageHeader";
import { ScrollTable } from "../../components/ScrollTable";
import { Empty, ErrorState, Loading } from "../../components/states";
import { useFormat } from "../../i18n/format";
import { NewOrganisationModal } from "./NewOrganisationModal";
import { AddressBadge, TenantDetails } from "./TenantDetails";

export default function TenantsScreen() {
  const { readOnly } = useSession();
  return readOnly ? <OwnOrganisation /> : <Organisations />;
}

function OwnOrganisation() {
  const { t } = useTranslation();
  const own = useQuery({
    queryKey: ["tenant", "own"],
    queryFn: () => unwrap(api.GET("/admin/newsletter/tenant")),
  });
  return (
    <>
      <PageHeader title={t("console.tenants.own_title")} description={t("console.tenants.own_description")} />
      {own.isPending && <Loading />}
      {own.isError && <ErrorState error={own.error} onRetry={() => void own.refetch()} />}
      {own.data && (
        <>
          <Alert color="gray" variant="light" icon={<IconInfoCircle aria-hidden />} mb="md" maw={720}>
            {t("console.tenants.readonly")}
          </Alert>
          <TenantDetails tenant={own.data} />
        </>
      )}
    </>
  );
}

function Organisations() {
  const { t } = useTranslation();
  const f = useFormat();
  const [creating, { open, close }] = useDisclosure(false);
  const [search, setSearch] = useState("");
  const tenants = useQuery({
    queryKey: ["tenants"],
    queryFn: () => unwrap(api.GET("/sys/newsletter/tenants")),
  });
  const all = tenants.data?.items ?? [];
  const needle = search.trim().toLowerCase();
  const shown = needle
    ? all.filter((x) => x.name.toLowerCase().includes(needle) || x.slug.includes(needle))
    : all;
  const newButton = (
    <Button leftSection={<IconPlus size={16} aria-hidden />} onClick={open}>
      {t("console.tenants.new")}
    </Button>
  );

  return (
    <>
      <PageHeader title={t("console.tenants.title")} description={t("console.tenants.description")} actions={newButton} />
      {tenants.isPending && <Loading />}
      {tenants.isError && <ErrorState error={tenants.error} onRetry={() => void tenants.refetch()} />}
      {tenants.data && all.length === 0 && (
        <Empty title={t("console.tenants.empty")} body={t("console.tenants.empty_body")} action={newButton} />
      )}
      {all.length > 0 && (
        <>
          <TextInput
            label={t("console.tenants.search")}
            placeholder={t("console.tenants.search_placeholder")}
            leftSection={<IconSearch size={16} aria-hidden />}
            value={search}
            onChange={(e) => setSearch(e.currentTarget.value)}
            maw={360}
            mb="md"
          />
          <ScrollTable minWidth={680}>
            <Table highlightOnHover verticalSpacing="sm">
              <Table.Thead>
                <Table.Tr>
                  <Table.Th>{t("console.field.name")}</Table.Th>
                  <Table.Th>{t("console.tenants.postal_address")}</Table.Th>
                  <Table.Th>{t("console.tenants.timezone")}</Table.Th>
                  <Table.Th ta="right">{t("console.tenants.lists")}</Table.Th>
                </Table.Tr>
              </Table.Thead>
              <Table.Tbody>
                {shown.map((x) => (
                  <Table.Tr key={x.id} data-tenant={x.slug}>
                    <Table.Td>
                      <Link className="row-link" to={`/organisations/${x.slug}`}>
                        {x.name}
                      </Link>
                      <Text size="xs" c="dimmed" ff="monospace">
                        {x.slug}
                      </Text>
                    </Table.Td>
                    <Table.Td>
                      <AddressBadge tenant={x} />
                    </Table.Td>
                    <Table.Td>{x.timezone}</Table.Td>
                    <Table.Td ta="right">{x.lists == null ? "—" : f.number(x.lists)}</Table.Td>
                  </Table.Tr>
                ))}
              </Table.Tbody>
            </Table>
          </ScrollTable>
          {shown.length === 0 && <Empty title={t("console.tenants.no_match")} />}
        </>
      )}
      <NewOrganisationModal opened={creating} onClose={close} />
    </>
  );
}
