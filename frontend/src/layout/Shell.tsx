// The console frame: header (tenant, language, account), navigation, and the current screen.
import { AppShell, Badge, Burger, Group, Menu, NavLink, ScrollArea, Text, Title, UnstyledButton, VisuallyHidden } from "@mantine/core";
import { useDisclosure } from "@mantine/hooks";
import { IconChevronDown, IconLogout, IconUserCircle } from "@tabler/icons-react";
import { useMutation } from "@tanstack/react-query";
import { Suspense, type ReactNode } from "react";
import { useTranslation } from "react-i18next";
import { Link, NavLink as RouterNavLink, useLocation } from "react-router-dom";
import { api, unwrap } from "../api/client";
import { useSession } from "../auth/session";
import { Loading } from "../components/states";
import { navigation } from "../screens/registry";
import { LanguagePicker } from "./LanguagePicker";
import { TenantSwitcher } from "./TenantSwitcher";

export function Shell({ children }: { children: ReactNode }) {
  const { t } = useTranslation();
  const [opened, { toggle, close }] = useDisclosure();
  const { session, operator, readOnly, update } = useSession();
  const location = useLocation();
  const signOut = useMutation({
    mutationFn: () => unwrap(api.DELETE("/console/api/session")),
    onSettled: () => update(null),
  });
  const savePreference = useMutation({
    mutationFn: (language: string) =>
      unwrap(api.PUT("/console/api/preferences", { body: { language } })),
    onSuccess: update,
  });
  const items = navigation(session.capture_outbox ?? false, readOnly);

  return (
    <AppShell
      header={{ height: 60 }}
      navbar={{ width: 240, breakpoint: "md", collapsed: { mobile: !opened } }}
      padding="lg"
    >
      <a href="#main" className="skip-link">
        {t("console.skip_to_content")}
      </a>
      <AppShell.Header>
        <Group h="100%" px="md" justify="space-between" wrap="nowrap">
          <Group gap="sm" wrap="nowrap">
            <Burger
              opened={opened}
              onClick={toggle}
              hiddenFrom="md"
              size="sm"
              aria-label={t("console.nav.toggle")}
            />
            <Title order={2} fz="lg">
              <Link to="/" className="brand">
                {t("app.name")}
              </Link>
            </Title>
            {readOnly && (
              <Badge color="orange" variant="dot" tt="none" visibleFrom="sm">
                {t("console.read_only")}
              </Badge>
            )}
          </Group>
          <Group gap="xs" wrap="nowrap">
            <TenantSwitcher />
            <LanguagePicker onChange={(lang) => savePreference.mutate(lang)} />
            <Menu position="bottom-end" withinPortal>
              <Menu.Target>
                <UnstyledButton className="user-button" aria-label={`${t("console.account.menu")}: ${operator.email}`}>
                  <Group gap={6} wrap="nowrap">
                    <IconUserCircle size={22} aria-hidden />
                    <Text size="sm" visibleFrom="lg" truncate maw={180}>
                      {operator.email}
                    </Text>
                    <IconChevronDown size={14} aria-hidden />
                  </Group>
                </UnstyledButton>
              </Menu.Target>
              <Menu.Dropdown>
                <Menu.Label>{operator.email}</Menu.Label>
                <Menu.Item component={Link} to="/account" leftSection={<IconUserCircle size={16} aria-hidden />}>
                  {t("console.account.title")}
                </Menu.Item>
                <Menu.Item
                  color="red"
                  leftSection={<IconLogout size={16} aria-hidden />}
                  onClick={() => signOut.mutate()}
                >
                  {t("console.signout")}
                </Menu.Item>
              </Menu.Dropdown>
            </Menu>
          </Group>
        </Group>
      </AppShell.Header>
      <AppShell.Navbar p="xs" aria-label={t("console.nav.label")}>
        <ScrollArea type="auto">
          <nav>
            <VisuallyHidden>
              <h2>{t("console.nav.label")}</h2>
            </VisuallyHidden>
            {items.map((item) => {
              const active =
                item.path === "/" ? location.pathname === "/" : location.pathname.startsWith(item.path);
              return (
                <NavLink
                  key={item.path}
                  component={RouterNavLink}
                  to={item.path}
                  label={t(item.label)}
                  leftSection={<item.icon size={18} aria-hidden />}
                  active={active}
                  aria-current={active ? "page" : undefined}
                  onClick={close}
                />
              );
            })}
          </nav>
        </ScrollArea>
      </AppShell.Navbar>
      <AppShell.Main id="main" tabIndex={-1}>
        <Suspense fallback={<Loading />}>{children}</Suspense>
      </AppShell.Main>
    </AppShell>
  );
}
