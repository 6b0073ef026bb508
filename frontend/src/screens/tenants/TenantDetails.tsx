// An organisation's details, read-only (tenant admins), and its postal address badge.
import { Badge, Table, Text } from "@mantine/core";
import type { ReactNode } from "react";
import { useTranslation } from "react-i18next";
import type { TenantOut } from "../../api/types";
import { LANGUAGES } from "../../i18n";

/** "No postal address — campaigns can't be sent", or that it is set. The dot variant keeps
 * the text dark, so it reads at AA contrast. */
export function AddressBadge({ tenant }: { tenant: Pick<TenantOut, "postal_address"> }) {
  const { t } = useTranslation();
  return tenant.postal_address ? (
    <Badge variant="dot" color="teal" radius="sm" tt="none" size="md" data-address="set">
      {t("console.tenants.address_set")}
    </Badge>
  ) : (
    <Badge variant="dot" color="red" radius="sm" tt="none" size="md" data-address="missing">
      {t("console.tenants.no_address")}
    </Badge>
  );
}

export function languageLabel(code: string): string {
  return LANGUAGES.find((l) => l.code === code)?.label ?? code;
}

export function TenantDetails({ tenant }: { tenant: TenantOut }) {
  const { t } = useTranslation();
  const rows: [string, ReactNode][] = [
    [t("console.field.name"), tenant.name],
    [t("console.tenants.slug"), <Text key="slug" ff="monospace" size="sm">{tenant.slug}</Text>],
    [
      t("console.tenants.postal_address"),
      tenant.postal_address ? (
        <Text key="address" size="sm" style={{ whiteSpace: "pre-line" }}>
          {tenant.postal_address}
        </Text>
      ) : (
        <AddressBadge key="address" tenant={tenant} />
      ),
    ],
    [t("console.tenants.timezone"), tenant.timezone],
    [t("console.tenants.default_language"), languageLabel(tenant.default_language)],
  ];
  return (
    <Table withRowBorders verticalSpacing="sm" layout="fixed" maw={720} captionSide="top">
      <Table.Caption>{t("console.tenants.details")}</Table.Caption>
      <Table.Tbody>
        {rows.map(([label, value]) => (
          <Table.Tr key={label}>
            <Table.Th scope="row" w="35%">
              {label}
            </Table.Th>
            <Table.Td style={{ overflowWrap: "anywhere" }}>{value}</Table.Td>
          </Table.Tr>
        ))}
      </Table.Tbody>
    </Table>
  );
}
