// The operator's own account: password (changing it signs out every other browser) and
// two-step sign-in with an authenticator app.
import { Badge, Button, Card, Group, PasswordInput, SimpleGrid, Stack, Text, Title } from "@mantine/core";
import { notifications } from "@mantine/notifications";
import { useMutation } from "@tanstack/react-query";
import { useState, type FormEvent } from "react";
import { useTranslation } from "react-i18next";
import { api, unwrap } from "../../api/client";
import { useSession } from "../../auth/session";
import { PageHeader } from "../../components/PageHeader";
import { errorText } from "../../components/states";
import { TwoStepCard } from "./TwoStepCard";

function PasswordCard() {
  const { t } = useTranslation();
  const { update } = useSession();
  const [current, setCurrent] = useState("");
  const [next, setNext] = useState("");
  const [again, setAgain] = useState("");
  const change = useMutation({
    mutationFn: () =>
      unwrap(api.POST("/console/api/password", { body: { current_password: current, new_password: next } })),
    onSuccess: (session) => {
      update(session);
      setCurrent("");
      setNext("");
      setAgain("");
      notifications.show({ color: "teal", message: t("console.account.password_changed") });
    },
  });
  const mismatch = again.length > 0 && again !== next;
  const submit = (e: FormEvent) => {
    e.preventDefault();
    if (!mismatch) change.mutate();
  };
  return (
    <Card withBorder padding="lg">
      <Title order={2} fz="lg" mb="xs">
        {t("console.account.password")}
      </Title>
      <Text size="sm" c="dimmed" mb="md">
        {t("console.account.password_help")}
      </Text>
      <form onSubmit={submit}>
        <Stack>
          <PasswordInput label={t("console.account.current")} autoComplete="current-password" required value={current} onChange={(e) => setCurrent(e.currentTarget.value)} />
          <PasswordInput
            label={t("console.account.new")}
            description={t("console.account.new_help")}
            autoComplete="new-password"
            required
            minLength={10}
            value={next}
            onChange={(e) => setNext(e.currentTarget.value)}
          />
          <PasswordInput
            label={t("console.account.again")}
            autoComplete="new-password"
            required
            value={again}
            onChange={(e) => setAgain(e.currentTarget.value)}
            error={mismatch ? t("console.account.mismatch") : undefined}
          />
          {change.isError && (
            <Text role="alert" c="red.8" size="sm">
              {errorText(t, change.error)}
            </Text>
          )}
          <Group>
            <Button type="submit" loading={change.isPending} disabled={mismatch}>
              {t("console.account.change")}
            </Button>
          </Group>
        </Stack>
      </form>
    </Card>
  );
}

export default function AccountScreen() {
  const { t } = useTranslation();
  const { operator } = useSession();
  return (
    <>
      <PageHeader
        title={t("console.account.title")}
        description={
          <Group gap="xs" component="span">
            <span>{operator.email}</span>
            <Badge variant="light" radius="sm" component="span">
              {t(`console.role.${operator.role}`)}
            </Badge>
            {operator.tenant && <span>· {operator.tenant.name}</span>}
          </Group>
        }
      />
      <SimpleGrid cols={{ base: 1, lg: 2 }} spacing="lg">
        <PasswordCard />
        <TwoStepCard />
      </SimpleGrid>
    </>
  );
}
