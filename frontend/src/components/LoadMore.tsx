import { Button, Center } from "@mantine/core";
import { useTranslation } from "react-i18next";

/** Keyset pagination: Herald pages collections by cursor, so the console loads more on demand. */
export function LoadMore({
  query,
}: {
  query: { hasNextPage: boolean; isFetchingNextPage: boolean; fetchNextPage: () => unknown };
}) {
  const { t } = useTranslation();
  if (!query.hasNextPage) return null;
  return (
    <Center mt="md">
      <Button variant="default" loading={query.isFetchingNextPage} onClick={() => void query.fetchNextPage()}>
        {t("console.action.load_more")}
      </Button>
    </Center>
  );
}
