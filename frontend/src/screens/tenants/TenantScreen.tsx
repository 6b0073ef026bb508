// One organisation. Platform operators edit its name, postal address, time zone and language
// (the short name stays: URLs and lists use it); tenant admins see their own, read-only.
import { Alert, Anchor, Breadcrumbs, Card, Stack, Text } from "@mantine/core";
import { notifications } from "@mantine/notifications";
import { IconAlertTriangle, IconInfoCircle } from "@tabler/icons-react";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import type { FormEvent } from "react";
import { useTranslation } from "react-i18next";
import { Link, useNavigate, useParams } from "react-router-dom";
import { api, unwrap } from "../../api/client";
import type { TenantOut } from "../../api/types";
import { useSession } from "../../auth/session";
import { FormActions } from "../../components/FormActions";
import { PageHeader } from "../../components/PageHeader";
import { ErrorState, Loading } from "../../components/states";
import { FORM_FIELDS, formLevelError, invalidateTenants } from "./invalidate";
import { OrganisationFields, useOrganisationForm } from "./OrganisationFields";
import { TenantDetails } from "./TenantDetails";

export default function TenantScreen() {
  const { t } = useTranslation();
  const { readOnly } = useSession();
  const slug = useParams().slug ?? "";
  const tenant = useQuery({
    queryKey: ["tenant", slug],
    queryFn: () => unwrap(api.GET("/sys/newsletter/tenants/{slug}", { params: { path: { slug } } })),
  });
  const crumbs = (
    <Breadcrumbs>
      <Anchor component={Link} to="/organisations" size="sm">
        {readOnly ? t("console.tenants.own_title") : t("console.tenants.title")}
      </Anchor>
      <Text size="sm">{tenant.data?.name ?? "…"}</Text>
    </Breadcrumbs>
  );
  return (
    <>
      <PageHeader before={crumbs} title={tenant.data?.name ?? t("console.tenants.title")} />
      {tenant.isPending && <Loading />}
      {tenant.isError && <ErrorState error={tenant.error} onRetry={() => void tenant.refetch()} />}
      {tenant.data && !tenant.data.postal_address && (
        <Alert color="red" variant="light" icon={<IconAlertTriangle aria-hidden />} mb="md" maw={720} data-address="missing">
          {t("console.tenants.no_address_alert")}
        </Alert>
      )}
      {tenant.data &&
        (readOnly ? (
          <Stack maw={720}>
            <Alert color="gray" variant="light" icon={<IconInfoCircle aria-hidden />}>
              {t("console.tenants.readonly")}
            </Alert>
            <TenantDetails tenant={tenant.data} />
          </Stack>
        ) : (
          <EditOrganisation key={tenant.data.slug} tenant={tenant.data} />
        ))}
    </>
  );
}

function EditOrganisation({ tenant }: { tenant: TenantOut }) {
  const { t } = useTranslation();
  const client = useQueryClient();
  const navigate = useNavigate();
  const form = useOrganisationForm(tenant);
  const save = useMutation({
    mutationFn: () =>
      unwrap(
        api.PATCH("/sys/newsletter/tenants/{slug}", {
          params: { path: { slug: tenant.slug } },
          body: form.changes(),
        }),
      ),
    onSuccess: (saved) => {
      client.setQueryData(["tenant", saved.slug], saved);
      invalidateTenants(client, saved.slug);
      notifications.show({ color: "teal", message: t("console.tenants.saved", { name: saved.name }) });
    },
  });
  const submit = (e: FormEvent) => {
    e.preventDefault();
    form.submit();
    if (form.valid) save.mutate();
  };
  return (
    <Card withBorder padding="lg" maw={720}>
      <form onSubmit={submit} noValidate aria-label={t("console.tenants.open", { name: tenant.name })}>
        <Stack>
          <OrganisationFields form={form} error={save.error} />
          <FormActions
            error={formLevelError(save.error, FORM_FIELDS)}
            onCancel={() => navigate("/organisations")}
            loading={save.isPending}
            submitLabel={t("console.action.save")}
          />
        </Stack>
      </form>
    </Card>
  );
}
