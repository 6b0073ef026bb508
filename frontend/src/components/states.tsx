// Loading, error and empty states, in words a marketer would use.
import { Alert, Button, Center, EmptyState as MantineEmpty, Group, Loader, Stack, Text } from "@mantine/core";
import { IconAlertTriangle, IconInbox } from "@tabler/icons-react";
import type { TFunction } from "i18next";
import type { ReactNode } from "react";
import { useTranslation } from "react-i18next";
import { ApiError } from "../api/client";

export function Loading({ label }: { label?: string }) {
  const { t } = useTranslation();
  return (
    <Center py="xl" role="status" aria-live="polite">
      <Group gap="sm">
        <Loader size="sm" aria-hidden />
        <Text c="dimmed">{label ?? t("console.loading")}</Text>
      </Group>
    </Center>
  );
}

/** A sentence for an error: Herald's own message for problems with the input (409/422),
 * a plain explanation for the rest. */
export function errorText(t: TFunction, error: unknown): string {
  if (error instanceof ApiError) {
    if (error.status === 403) return t("console.error.forbidden");
    if (error.status === 404) return t("console.error.not_found");
    if (error.status === 429) return t("console.error.too_many");
    if (error.status === 409 || error.status === 422 || error.status === 400) return error.message;
    if (error.status === 401) return t("console.error.signed_out");
  }
  return t("console.error.generic");
}

export function ErrorState({ error, onRetry }: { error: unknown; onRetry?: () => void }) {
  const { t } = useTranslation();
  return (
    <Alert
      color="red"
      variant="light"
      title={t("console.error.title")}
      icon={<IconAlertTriangle aria-hidden />}
      role="alert"
      my="md"
    >
      <Stack gap="xs" align="flex-start">
        <Text size="sm">{errorText(t, error)}</Text>
        {onRetry && (
          <Button size="xs" variant="white" color="red" onClick={onRetry}>
            {t("console.action.retry")}
          </Button>
        )}
      </Stack>
    </Alert>
  );
}

export function Empty({
  title,
  body,
  icon,
  action,
}: {
  title: string;
  body?: string;
  icon?: ReactNode;
  action?: ReactNode;
}) {
  return (
    <MantineEmpty
      my="xl"
      title={title}
      description={body}
      icon={icon ?? <IconInbox aria-hidden />}
    >
      {action}
    </MantineEmpty>
  );
}
