import { Modal, Select, Stack, TextInput } from "@mantine/core";
import { notifications } from "@mantine/notifications";
import { useMutation, useQueryClient } from "@tanstack/react-query";
import { useState, type FormEvent } from "react";
import { useTranslation } from "react-i18next";
import { api, unwrap } from "../../api/client";
import type { SubscriberOut } from "../../api/types";
import { FormActions } from "../../components/FormActions";
import { LANGUAGES } from "../../i18n";

export function EditSubscriberModal({ subscriber, onClose }: { subscriber: SubscriberOut; onClose: () => void }) {
  const { t } = useTranslation();
  const client = useQueryClient();
  const [name, setName] = useState(subscriber.name ?? "");
  const [language, setLanguage] = useState(subscriber.language);
  const [timezone, setTimezone] = useState(subscriber.timezone ?? "");
  const [country, setCountry] = useState(subscriber.country ?? "");
  const save = useMutation({
    mutationFn: () =>
      unwrap(
        api.PATCH("/sys/newsletter/subscribers/{subscriber_id}", {
          params: { path: { subscriber_id: subscriber.id } },
          body: {
            name: name.trim() || null,
            language,
            timezone: timezone.trim() || null,
            country: country.trim().toUpperCase() || null,
          },
        }),
      ),
    onSuccess: () => {
      void client.invalidateQueries({ queryKey: ["subscriber", subscriber.id] });
      void client.invalidateQueries({ queryKey: ["subscribers"] });
      notifications.show({ color: "teal", message: t("console.subscribers.saved") });
      onClose();
    },
  });
  const submit = (e: FormEvent) => {
    e.preventDefault();
    save.mutate();
  };
  return (
    <Modal opened onClose={onClose} title={t("console.subscribers.edit")}>
      <form onSubmit={submit}>
        <Stack>
          <TextInput label={t("console.field.name")} data-autofocus value={name} onChange={(e) => setName(e.currentTarget.value)} />
          <Select
            label={t("console.field.language")}
            data={LANGUAGES.map((l) => ({ value: l.code, label: l.label }))}
            value={language}
            onChange={(v) => setLanguage(v ?? language)}
            allowDeselect={false}
          />
          <TextInput label={t("console.subscribers.timezone")} placeholder="Europe/Paris" value={timezone} onChange={(e) => setTimezone(e.currentTarget.value)} />
          <TextInput label={t("console.subscribers.country")} placeholder="FR" maxLength={2} value={country} onChange={(e) => setCountry(e.currentTarget.value)} />
          <FormActions error={save.error} onCancel={onClose} loading={save.isPending} submitLabel={t("console.action.save")} />
        </Stack>
      </form>
    </Modal>
  );
}
