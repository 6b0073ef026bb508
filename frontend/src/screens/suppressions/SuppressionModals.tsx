import { Modal, Select, Stack, Text, TextInput, Textarea } from "@mantine/core";
import { notifications } from "@mantine/notifications";
import { useMutation, useQueryClient } from "@tanstack/react-query";
import { useState, type FormEvent } from "react";
import { useTranslation } from "react-i18next";
import { api, unwrap } from "../../api/client";
import type { SuppressionOut } from "../../api/types";
import { FormActions } from "../../components/FormActions";
import { useTenant } from "../../tenant/TenantContext";

const REASONS = ["manual", "complaint", "hard_bounce", "unsubscribe"] as const;
const STREAMS = ["all", "marketing"] as const;

export function AddSuppressionModal({ onClose }: { onClose: () => void }) {
  const { t } = useTranslation();
  const client = useQueryClient();
  const { tenant } = useTenant();
  const [email, setEmail] = useState("");
  const [reason, setReason] = useState<(typeof REASONS)[number]>("manual");
  const [stream, setStream] = useState<(typeof STREAMS)[number]>("all");
  const [note, setNote] = useState("");
  const add = useMutation({
    mutationFn: () =>
      unwrap(
        api.POST("/sys/newsletter/suppressions", {
          body: { email: email.trim(), reason, stream, tenant, note: note.trim() || null },
        }),
      ),
    onSuccess: () => {
      void client.invalidateQueries({ queryKey: ["suppressions"] });
      notifications.show({ color: "teal", message: t("console.suppressions.added") });
      onClose();
    },
  });
  const submit = (e: FormEvent) => {
    e.preventDefault();
    add.mutate();
  };
  return (
    <Modal opened onClose={onClose} title={t("console.suppressions.add")}>
      <form onSubmit={submit}>
        <Stack>
          <TextInput label={t("console.field.email")} type="email" required data-autofocus value={email} onChange={(e) => setEmail(e.currentTarget.value)} />
          <Select
            label={t("console.suppressions.reason")}
            data={REASONS.map((r) => ({ value: r, label: t(`console.suppressions.reason_${r}`) }))}
            value={reason}
            onChange={(v) => setReason((v as typeof reason) ?? "manual")}
            allowDeselect={false}
          />
          <Select
            label={t("console.suppressions.stream")}
            description={t("console.suppressions.stream_help")}
            data={STREAMS.map((s) => ({ value: s, label: t(`console.suppressions.stream_${s}`) }))}
            value={stream}
            onChange={(v) => setStream((v as typeof stream) ?? "all")}
            allowDeselect={false}
          />
          <Textarea label={t("console.suppressions.note")} autosize minRows={2} value={note} onChange={(e) => setNote(e.currentTarget.value)} />
          <Text size="xs" c="dimmed">
            {tenant ? t("console.suppressions.scope_tenant", { tenant }) : t("console.suppressions.scope_platform")}
          </Text>
          <FormActions error={add.error} onCancel={onClose} loading={add.isPending} submitLabel={t("console.suppressions.add")} />
        </Stack>
      </form>
    </Modal>
  );
}

export function LiftModal({ entry, onClose }: { entry: SuppressionOut; onClose: () => void }) {
  const { t } = useTranslation();
  const client = useQueryClient();
  const [reason, setReason] = useState("");
  const lift = useMutation({
    mutationFn: () =>
      unwrap(
        api.POST("/sys/newsletter/suppressions/{suppression_id}/lift", {
          params: { path: { suppression_id: entry.id } },
          body: { reason: reason.trim() },
        }),
      ),
    onSuccess: () => {
      void client.invalidateQueries({ queryKey: ["suppressions"] });
      notifications.show({ color: "teal", message: t("console.suppressions.lifted") });
      onClose();
    },
  });
  const submit = (e: FormEvent) => {
    e.preventDefault();
    lift.mutate();
  };
  return (
    <Modal opened onClose={onClose} title={t("console.suppressions.lift_title")}>
      <form onSubmit={submit}>
        <Stack>
          <Text size="sm">{t("console.suppressions.lift_body")}</Text>
          <Textarea
            label={t("console.suppressions.lift_reason")}
            required
            minLength={3}
            data-autofocus
            autosize
            minRows={2}
            value={reason}
            onChange={(e) => setReason(e.currentTarget.value)}
          />
          <FormActions
            error={lift.error}
            onCancel={onClose}
            loading={lift.isPending}
            submitLabel={t("console.suppressions.lift")}
            color="orange"
          />
        </Stack>
      </form>
    </Modal>
  );
}
