import { Center } from "@mantine/core";
import { useTranslation } from "react-i18next";
import { Route, Routes } from "react-router-dom";
import { FreshAuthProvider } from "../auth/FreshAuth";
import { SessionProvider, useSession, useSessionQuery } from "../auth/session";
import { SignIn } from "../auth/SignIn";
import { Empty, ErrorState, Loading } from "../components/states";
import { Shell } from "../layout/Shell";
import { routes } from "../screens/registry";
import { TenantProvider } from "../tenant/TenantContext";

function ReadOnlyNotice() {
  const { t } = useTranslation();
  return <Empty title={t("console.read_only_title")} body={t("console.read_only_body")} />;
}

function NotFound() {
  const { t } = useTranslation();
  return <Empty title={t("console.not_found_title")} body={t("console.not_found_body")} />;
}

function Screens() {
  const { readOnly } = useSession();
  return (
    <Routes>
      {routes.map(({ path, Component, writes }) => (
        <Route key={path} path={path} element={writes && readOnly ? <ReadOnlyNotice /> : <Component />} />
      ))}
      <Route path="*" element={<NotFound />} />
    </Routes>
  );
}

export function App() {
  const query = useSessionQuery();
  if (query.isPending) {
    return (
      <Center mih="100vh">
        <Loading />
      </Center>
    );
  }
  if (query.isError) {
    return (
      <Center mih="100vh" p="md" component="main">
        <ErrorState error={query.error} onRetry={() => void query.refetch()} />
      </Center>
    );
  }
  const session = query.data;
  if (!session || session.status !== "active" || !session.operator) {
    return <SignIn pending={session} />;
  }
  return (
    <SessionProvider session={session}>
      <TenantProvider>
        <FreshAuthProvider>
          <Shell>
            <Screens />
          </Shell>
        </FreshAuthProvider>
      </TenantProvider>
    </SessionProvider>
  );
}
