// A template's name, and the subject line and preheader campaigns start from (merge tags
// allowed: Herald checks them when a campaign is sent or previewed).
import { Modal, Stack, TextInput } from "@mantine/core";
import { notifications } from "@mantine/notifications";
import { useMutation, useQueryClient } from "@tanstack/react-query";
import { useState, type FormEvent } from "react";
import { useTranslation } from "react-i18next";
import { api, unwrap } from "../../api/client";
import { FormActions } from "../../components/FormActions";
import { keys, type TemplateOut } from "./data";

export function DetailsModal({ template, onClose }: { template: TemplateOut; onClose: () => void }) {
  const { t } = useTranslation();
  const client = useQueryClient();
  const [name, setName] = useState(template.name);
  const [subject, setSubject] = useState(template.subject ?? "");
  const [preheader, setPreheader] = useState(template.preheader ?? "");
  const save = useMutation({
    mutationFn: () =>
      unwrap(
        api.PATCH("/sys/newsletter/templates/{template_id}", {
          params: { path: { template_id: template.id } },
          body: { name: name.trim(), subject: subject.trim(), preheader: preheader.trim(), clear_text: false },
        }),
      ),
    onSuccess: (row) => {
      void client.invalidateQueries({ queryKey: keys.all });
      client.setQueryData(keys.one(row.id), row);
      notifications.show({ color: "teal", message: t("console.templates.renamed", { name: row.name }) });
      onClose();
    },
  });
  const submit = (e: FormEvent) => {
    e.preventDefault();
    if (name.trim()) save.mutate();
  };
  return (
    <Modal opened onClose={onClose} title={t("console.templates.details_title")}>
      <form onSubmit={submit}>
        <Stack>
          <TextInput label={t("console.templates.name")} required maxLength={200} value={name} onChange={(e) => setName(e.currentTarget.value)} data-autofocus />
          <TextInput
            label={t("console.templates.subject")}
            description={t("console.templates.subject_hint", { example: "{{ subscriber.first_name }}" })}
            maxLength={998}
            value={subject}
            onChange={(e) => setSubject(e.currentTarget.value)}
          />
          <TextInput
            label={t("console.templates.preheader")}
            description={t("console.templates.preheader_hint")}
            maxLength={255}
            value={preheader}
            onChange={(e) => setPreheader(e.currentTarget.value)}
          />
          <FormActions error={save.error} onCancel={onClose} submitLabel={t("console.action.save")} loading={save.isPending} disabled={!name.trim()} />
        </Stack>
      </form>
    </Modal>
  );
}
