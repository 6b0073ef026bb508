import { Alert, Badge, Button, Card, Code, Group, Image, PinInput, Stack, Text, Title } from "@mantine/core";
import { notifications } from "@mantine/notifications";
import { IconShieldLock } from "@tabler/icons-react";
import { useMutation } from "@tanstack/react-query";
import QRCode from "qrcode";
import { useEffect, useState } from "react";
import { useTranslation } from "react-i18next";
import { api, unwrap } from "../../api/client";
import { Cancelled, useFreshAuth } from "../../auth/FreshAuth";
import { useSession } from "../../auth/session";
import { errorText } from "../../components/states";

export function TwoStepCard() {
  const { t } = useTranslation();
  const { operator, update } = useSession();
  const withFreshAuth = useFreshAuth();
  const [setup, setSetup] = useState<{ secret: string; otpauth_uri: string } | null>(null);
  const [qr, setQr] = useState<string | null>(null);
  const [code, setCode] = useState("");

  useEffect(() => {
    if (setup) void QRCode.toDataURL(setup.otpauth_uri, { margin: 1, width: 200 }).then(setQr);
    else setQr(null);
  }, [setup]);

  const begin = useMutation({
    mutationFn: () => withFreshAuth(() => unwrap(api.POST("/console/api/totp/setup"))),
    onSuccess: setSetup,
  });
  const enable = useMutation({
    mutationFn: () =>
      withFreshAuth(() => unwrap(api.POST("/console/api/totp/enable", { body: { secret: setup!.secret, code } }))),
    onSuccess: (session) => {
      update(session);
      setSetup(null);
      setCode("");
      notifications.show({ color: "teal", message: t("console.twostep.enabled") });
    },
    onError: () => setCode(""),
  });
  const disable = useMutation({
    mutationFn: () => withFreshAuth(() => unwrap(api.POST("/console/api/totp/disable"))),
    onSuccess: (session) => {
      update(session);
      notifications.show({ color: "teal", message: t("console.twostep.disabled") });
    },
  });
  const failure = [begin.error, enable.error, disable.error].find((e) => e && !(e instanceof Cancelled));

  return (
    <Card withBorder padding="lg">
      <Group justify="space-between" mb="xs">
        <Title order={2} fz="lg">
          {t("console.twostep.title")}
        </Title>
        <Badge color={operator.totp_enabled ? "teal" : "gray"} variant="dot" tt="none" radius="sm">
          {operator.totp_enabled ? t("console.twostep.on") : t("console.twostep.off")}
        </Badge>
      </Group>
      <Text size="sm" c="dimmed" mb="md">
        {t("console.twostep.help")}
      </Text>
      {failure && (
        <Alert color="red" role="alert" mb="md">
          {errorText(t, failure)}
        </Alert>
      )}
      {operator.totp_enabled ? (
        <Button color="red" variant="light" loading={disable.isPending} onClick={() => disable.mutate()}>
          {t("console.twostep.turn_off")}
        </Button>
      ) : setup ? (
        <Stack>
          <Text size="sm">{t("console.twostep.scan")}</Text>
          {qr && <Image src={qr} alt={t("console.twostep.qr_alt")} w={200} h={200} />}
          <Text size="sm">
            {t("console.twostep.manual")} <Code>{setup.secret}</Code>
          </Text>
          <Text size="sm" id="totp-code-label">
            {t("console.twostep.enter_code")}
          </Text>
          <PinInput
            length={6}
            type="number"
            oneTimeCode
            value={code}
            onChange={setCode}
            getInputProps={(i) => ({ "aria-label": `${t("console.signin.code")} ${i + 1}` })}
          />
          <Group>
            <Button variant="default" onClick={() => setSetup(null)}>
              {t("console.action.cancel")}
            </Button>
            <Button loading={enable.isPending} disabled={code.length !== 6} onClick={() => enable.mutate()}>
              {t("console.twostep.confirm")}
            </Button>
          </Group>
        </Stack>
      ) : (
        <Button leftSection={<IconShieldLock size={16} aria-hidden />} loading={begin.isPending} onClick={() => begin.mutate()}>
          {t("console.twostep.turn_on")}
        </Button>
      )}
    </Card>
  );
}
