import { Badge, Select } from "@mantine/core";
import { IconBuilding } from "@tabler/icons-react";
import { useQuery } from "@tanstack/react-query";
import { useTranslation } from "react-i18next";
import { api, unwrap } from "../api/client";
import { useSession } from "../auth/session";
import { useTenant } from "../tenant/TenantContext";

const ALL = "__all__";

export function TenantSwitcher() {
  const { t } = useTranslation();
  const { isSys, operator } = useSession();
  const { tenant, setTenant } = useTenant();
  const tenants = useQuery({
    queryKey: ["tenants"],
    queryFn: () => unwrap(api.GET("/sys/newsletter/tenants")),
    enabled: isSys,
    staleTime: 300_000,
  });
  if (!isSys) {
    return (
      <Badge size="lg" variant="light" color="gray" leftSection={<IconBuilding size={14} aria-hidden />}>
        {operator.tenant?.name ?? "—"}
      </Badge>
    );
  }
  const data = [
    { value: ALL, label: t("console.tenant.all") },
    ...(tenants.data?.items ?? []).map((x) => ({ value: x.slug, label: x.name })),
  ];
  return (
    <Select
      aria-label={t("console.tenant.label")}
      data={data}
      value={tenant ?? ALL}
      onChange={(v) => setTenant(v && v !== ALL ? v : null)}
      allowDeselect={false}
      leftSection={<IconBuilding size={16} aria-hidden />}
      w={260}
      comboboxProps={{ withinPortal: true }}
    />
  );
}
