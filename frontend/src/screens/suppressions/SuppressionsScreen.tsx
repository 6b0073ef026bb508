// The suppression list shared by marketing and transactional mail: look up an address, add one,
// lift one (with a reason). Entries hold a keyed hash, never the address itself.
import { Button, Code, Table, Text } from "@mantine/core";
import { useDisclosure } from "@mantine/hooks";
import { IconBan, IconPlus } from "@tabler/icons-react";
import { useQuery } from "@tanstack/react-query";
import { useState } from "react";
import { useTranslation } from "react-i18next";
import { api, unwrap } from "../../api/client";
import type { SuppressionOut } from "../../api/types";
import { useSession } from "../../auth/session";
import { EmailSearch } from "../../components/EmailSearch";
import { LoadMore } from "../../components/LoadMore";
import { usePaged } from "../../components/usePaged";
import { ScrollTable } from "../../components/ScrollTable";
import { PageHeader } from "../../components/PageHeader";
import { Empty, ErrorState, Loading } from "../../components/states";
import { useFormat } from "../../i18n/format";
import { useTenantQuery } from "../../tenant/TenantContext";
import { AddSuppressionModal, LiftModal } from "./SuppressionModals";

export default function SuppressionsScreen() {
  const { t } = useTranslation();
  const f = useFormat();
  const { readOnly, isSys } = useSession();
  const tenant = useTenantQuery();
  const [email, setEmail] = useState<string | null>(null);
  const [adding, add] = useDisclosure(false);
  const [lifting, setLifting] = useState<SuppressionOut | null>(null);
  const tenants = useQuery({
    queryKey: ["tenants"],
    queryFn: () => unwrap(api.GET("/sys/newsletter/tenants")),
    enabled: isSys,
    staleTime: 300_000,
  });
  const tenantName = (id: number | null | undefined) =>
    id == null
      ? t("console.tenant.platform")
      : (tenants.data?.items.find((x) => x.id === id)?.name ?? t("console.tenant.this"));
  const entries = usePaged(["suppressions", tenant, email], (cursor) =>
    unwrap(
        api.GET("/sys/newsletter/suppressions", {
          params: { query: { ...tenant, ...(email ? { email } : {}), limit: 50, cursor: cursor } },
        }),
      ),
  );
  const rows = entries.rows;

  return (
    <>
      <PageHeader
        title={t("console.suppressions.title")}
        description={t("console.suppressions.description")}
        actions={
          !readOnly && (
            <Button leftSection={<IconPlus size={16} aria-hidden />} onClick={add.open}>
              {t("console.suppressions.add")}
            </Button>
          )
        }
      />
      <EmailSearch label={t("console.suppressions.lookup")} value={email} onSearch={setEmail} />
      {entries.isPending && <Loading />}
      {entries.isError && <ErrorState error={entries.error} onRetry={() => void entries.refetch()} />}
      {entries.data && rows.length === 0 && (
        <Empty
          icon={<IconBan aria-hidden />}
          title={email ? t("console.suppressions.not_found", { email }) : t("console.suppressions.empty")}
          body={email ? t("console.suppressions.not_found_body") : t("console.suppressions.empty_body")}
        />
      )}
      {rows.length > 0 && (
        <ScrollTable minWidth={760}>
          <Table verticalSpacing="sm">
            <Table.Thead>
              <Table.Tr>
                <Table.Th>{t("console.suppressions.hash")}</Table.Th>
                <Table.Th>{t("console.suppressions.reason")}</Table.Th>
                <Table.Th>{t("console.suppressions.stream")}</Table.Th>
                <Table.Th>{t("console.field.tenant")}</Table.Th>
                <Table.Th>{t("console.field.created")}</Table.Th>
                {!readOnly && <Table.Th><span className="sr-only">{t("console.field.actions")}</span></Table.Th>}
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {rows.map((r) => (
                <Table.Tr key={r.id}>
                  <Table.Td>
                    <Code>{r.email_hash.slice(0, 16)}</Code>
                  </Table.Td>
                  <Table.Td>
                    {t(`console.suppressions.reason_${r.reason}`, { defaultValue: r.reason })}
                    {r.source && (
                      <Text size="xs" c="dimmed">
                        {r.source}
                      </Text>
                    )}
                  </Table.Td>
                  <Table.Td>{t(`console.suppressions.stream_${r.stream}`, { defaultValue: r.stream })}</Table.Td>
                  <Table.Td>{tenantName(r.tenant_id)}</Table.Td>
                  <Table.Td>{f.dateTime(r.created_at)}</Table.Td>
                  {!readOnly && (
                    <Table.Td ta="right">
                      <Button size="xs" variant="default" onClick={() => setLifting(r)}>
                        {t("console.suppressions.lift")}
                      </Button>
                    </Table.Td>
                  )}
                </Table.Tr>
              ))}
            </Table.Tbody>
          </Table>
        </ScrollTable>
      )}
      <LoadMore query={entries} />
      {adding && <AddSuppressionModal onClose={add.close} />}
      {lifting && <LiftModal entry={lifting} onClose={() => setLifting(null)} />}
    </>
  );
}
