// GDPR erasure: a reason (the request reference), the address typed again, and the
// operator's password re-entered if the last time was more than five minutes ago.
import { Alert, List, Modal, Stack, TextInput } from "@mantine/core";
import { notifications } from "@mantine/notifications";
import { IconAlertTriangle } from "@tabler/icons-react";
import { useMutation, useQueryClient } from "@tanstack/react-query";
import { useState, type FormEvent } from "react";
import { useTranslation } from "react-i18next";
import { useNavigate } from "react-router-dom";
import { api, unwrap } from "../../api/client";
import type { SubscriberOut } from "../../api/types";
import { Cancelled, useFreshAuth } from "../../auth/FreshAuth";
import { FormActions } from "../../components/FormActions";

export function EraseModal({ subscriber, onClose }: { subscriber: SubscriberOut; onClose: () => void }) {
  const { t } = useTranslation();
  const client = useQueryClient();
  const navigate = useNavigate();
  const withFreshAuth = useFreshAuth();
  const [reason, setReason] = useState("");
  const [typed, setTyped] = useState("");
  const erase = useMutation({
    mutationFn: () =>
      withFreshAuth(() =>
        unwrap(
          api.POST("/sys/newsletter/subscribers/{subscriber_id}/erase", {
            params: { path: { subscriber_id: subscriber.id } },
            body: { reason: reason.trim() },
          }),
        ),
      ),
    onSuccess: () => {
      void client.invalidateQueries({ queryKey: ["subscribers"] });
      void client.invalidateQueries({ queryKey: ["overview"] });
      client.removeQueries({ queryKey: ["subscriber", subscriber.id] });
      notifications.show({ color: "teal", message: t("console.erase.done") });
      navigate("/subscribers");
    },
  });
  const matches = typed.trim().toLowerCase() === subscriber.email.toLowerCase();
  const submit = (e: FormEvent) => {
    e.preventDefault();
    if (matches) erase.mutate();
  };
  const failure = erase.error && !(erase.error instanceof Cancelled) ? erase.error : null;
  return (
    <Modal opened onClose={onClose} title={t("console.erase.title")} size="lg">
      <form onSubmit={submit}>
        <Stack>
          <Alert color="red" icon={<IconAlertTriangle aria-hidden />}>
            {t("console.erase.warning")}
          </Alert>
          <List size="sm">
            <List.Item>{t("console.erase.deletes")}</List.Item>
            <List.Item>{t("console.erase.keeps")}</List.Item>
            <List.Item>{t("console.erase.return")}</List.Item>
          </List>
          <TextInput
            label={t("console.erase.reason")}
            description={t("console.erase.reason_help")}
            required
            minLength={3}
            data-autofocus
            value={reason}
            onChange={(e) => setReason(e.currentTarget.value)}
          />
          <TextInput
            label={t("console.erase.type_email", { email: subscriber.email })}
            required
            autoComplete="off"
            value={typed}
            onChange={(e) => setTyped(e.currentTarget.value)}
          />
          <FormActions
            error={failure}
            onCancel={onClose}
            loading={erase.isPending}
            disabled={!matches || reason.trim().length < 3}
            submitLabel={t("console.erase.confirm")}
            color="red"
          />
        </Stack>
      </form>
    </Modal>
  );
}
