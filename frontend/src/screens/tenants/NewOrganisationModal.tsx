// "New organisation": name, short name suggested from it, and optionally the postal address,
// time zone and language. The new organisation appears in the list and the header's switcher.
import { Modal, Stack } from "@mantine/core";
import { notifications } from "@mantine/notifications";
import { useMutation, useQueryClient } from "@tanstack/react-query";
import type { FormEvent } from "react";
import { useTranslation } from "react-i18next";
import { api, unwrap } from "../../api/client";
import { FormActions } from "../../components/FormActions";
import { FORM_FIELDS, formLevelError, invalidateTenants } from "./invalidate";
import { OrganisationFields, useOrganisationForm } from "./OrganisationFields";

export function NewOrganisationModal({ opened, onClose }: { opened: boolean; onClose: () => void }) {
  const { t } = useTranslation();
  return (
    <Modal opened={opened} onClose={onClose} title={t("console.tenants.new")} size="lg">
      {/* Mounted only while open, so each opening starts from an empty form. */}
      {opened && <NewOrganisationForm onClose={onClose} />}
    </Modal>
  );
}

function NewOrganisationForm({ onClose }: { onClose: () => void }) {
  const { t } = useTranslation();
  const client = useQueryClient();
  const form = useOrganisationForm();
  const save = useMutation({
    mutationFn: () => unwrap(api.POST("/sys/newsletter/tenants", { body: form.createBody() })),
    onSuccess: (saved) => {
      invalidateTenants(client, saved.slug);
      notifications.show({ color: "teal", message: t("console.tenants.created", { name: saved.name }) });
      onClose();
    },
  });
  const submit = (e: FormEvent) => {
    e.preventDefault();
    form.submit();
    if (form.valid) save.mutate();
  };
  return (
    <form onSubmit={submit} noValidate>
      <Stack>
        <OrganisationFields form={form} error={save.error} />
        <FormActions
          error={formLevelError(save.error, FORM_FIELDS)}
          onCancel={onClose}
          loading={save.isPending}
          submitLabel={t("console.tenants.create")}
        />
      </Stack>
    </form>
  );
}
