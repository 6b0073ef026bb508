// Sign-in: email and password, then (when two-step sign-in is on) a code from the app.
import { Alert, Anchor, Box, Button, Center, Paper, PasswordInput, PinInput, Stack, Text, TextInput, Title } from "@mantine/core";
import { IconAlertCircle, IconLock } from "@tabler/icons-react";
import { useMutation } from "@tanstack/react-query";
import { useState, type FormEvent } from "react";
import { useTranslation } from "react-i18next";
import { api, ApiError, unwrap } from "../api/client";
import type { SessionOut } from "../api/types";
import { LanguagePicker } from "../layout/LanguagePicker";
import { useUpdateSession } from "./session";

export function SignIn({ pending }: { pending?: SessionOut | null }) {
  const { t } = useTranslation();
  const update = useUpdateSession();
  const [email, setEmail] = useState("");
  const [password, setPassword] = useState("");
  const [code, setCode] = useState("");
  const needsCode = pending?.status === "totp_required";

  const signIn = useMutation({
    mutationFn: () => unwrap(api.POST("/console/api/session", { body: { email, password } })),
    onSuccess: (session) => {
      setPassword("");
      update(session);
    },
  });
  const verify = useMutation({
    mutationFn: (value: string) => unwrap(api.POST("/console/api/session/totp", { body: { code: value } })),
    onSuccess: update,
    onError: () => setCode(""),
  });
  const restart = useMutation({
    mutationFn: () => unwrap(api.DELETE("/console/api/session")),
    onSettled: () => update(null),
  });

  const error = (needsCode ? verify.error : signIn.error) as ApiError | null;
  const message = error
    ? error.status === 429
      ? t("console.signin.too_many")
      : error.status === 401
        ? needsCode
          ? t("console.signin.bad_code")
          : t("console.signin.bad_password")
        : t("console.error.generic")
    : null;

  const submit = (e: FormEvent) => {
    e.preventDefault();
    if (needsCode) verify.mutate(code);
    else signIn.mutate();
  };

  return (
    <Center mih="100vh" bg="gray.0" p="md">
      <Box w="100%" maw={420}>
        <Stack gap="lg">
          <Stack gap={4} align="center">
            <Title order={1} fz={28}>
              {t("app.name")}
            </Title>
            <Text c="dimmed">{t("console.signin.tagline")}</Text>
          </Stack>
          <Paper withBorder shadow="sm" p="xl" radius="md" component="main">
            <form onSubmit={submit} aria-labelledby="signin-title">
              <Stack>
                <Title order={2} fz="lg" id="signin-title">
                  {needsCode ? t("console.signin.code_title") : t("console.signin.title")}
                </Title>
                {message && (
                  <Alert color="red" icon={<IconAlertCircle aria-hidden />} role="alert">
                    {message}
                  </Alert>
                )}
                {needsCode ? (
                  <>
                    <Text size="sm">{t("console.signin.code_help")}</Text>
                    <PinInput
                      length={6}
                      type="number"
                      oneTimeCode
                      autoFocus
                      value={code}
                      onChange={setCode}
                      onComplete={(value) => verify.mutate(value)}
                      aria-label={t("console.signin.code")}
                      getInputProps={(i) => ({ "aria-label": `${t("console.signin.code")} ${i + 1}` })}
                    />
                    <Button type="submit" loading={verify.isPending} disabled={code.length !== 6}>
                      {t("console.signin.verify")}
                    </Button>
                    <Anchor component="button" type="button" size="sm" onClick={() => restart.mutate()}>
                      {t("console.signin.start_over")}
                    </Anchor>
                  </>
                ) : (
                  <>
                    <TextInput
                      label={t("console.signin.email")}
                      type="email"
                      autoComplete="username"
                      required
                      autoFocus
                      value={email}
                      onChange={(e) => setEmail(e.currentTarget.value)}
                    />
                    <PasswordInput
                      label={t("console.signin.password")}
                      autoComplete="current-password"
                      required
                      value={password}
                      onChange={(e) => setPassword(e.currentTarget.value)}
                    />
                    <Button type="submit" loading={signIn.isPending} leftSection={<IconLock size={16} aria-hidden />}>
                      {t("console.signin.submit")}
                    </Button>
                  </>
                )}
              </Stack>
            </form>
          </Paper>
          <Center>
            <LanguagePicker />
          </Center>
        </Stack>
      </Box>
    </Center>
  );
}
