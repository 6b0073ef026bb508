// The import running, then its report: counts, the rejected and skipped rows with reasons,
// and the full list of them as CSV.
import { Alert, Anchor, Button, Card, Group, Progress, SimpleGrid, Stack, Table, Text, Title } from "@mantine/core";
import { IconCircleCheck, IconDownload } from "@tabler/icons-react";
import { useQuery, useQueryClient } from "@tanstack/react-query";
import { useEffect } from "react";
import { useTranslation } from "react-i18next";
import { Link } from "react-router-dom";
import { api, downloadUrl, unwrap } from "../../api/client";
import { StatusBadge } from "../../components/StatusBadge";
import { ErrorState, Loading } from "../../components/states";
import { ScrollTable } from "../../components/ScrollTable";
import { useFormat } from "../../i18n/format";

const FINISHED = new Set(["done", "failed"]);

export function ProgressStep({ listId, jobId, onAgain }: { listId: number; jobId: number; onAgain: () => void }) {
  const { t } = useTranslation();
  const f = useFormat();
  const client = useQueryClient();
  const job = useQuery({
    queryKey: ["import", jobId],
    queryFn: () => unwrap(api.GET("/sys/newsletter/imports/{import_id}", { params: { path: { import_id: jobId } } })),
    refetchInterval: (q) => (q.state.data && FINISHED.has(q.state.data.status) ? false : 600),
  });
  const done = job.data?.status === "done";
  const issues = useQuery({
    queryKey: ["import", jobId, "errors"],
    queryFn: () =>
      unwrap(api.GET("/sys/newsletter/imports/{import_id}/errors", { params: { path: { import_id: jobId } } })),
    enabled: done,
  });
  useEffect(() => {
    if (done) {
      void client.invalidateQueries({ queryKey: ["list", listId] });
      void client.invalidateQueries({ queryKey: ["imports", listId] });
      void client.invalidateQueries({ queryKey: ["overview"] });
    }
  }, [done, client, listId]);

  if (job.isPending) return <Loading />;
  if (job.isError) return <ErrorState error={job.error} onRetry={() => void job.refetch()} />;
  const j = job.data;
  const pct = Math.round(j.progress * 100);
  const rows = (issues.data?.items ?? []).filter((i) => i.line > 0);

  return (
    <Stack mt="lg">
      <Card withBorder padding="lg">
        <Group justify="space-between" mb="xs">
          <Group gap="sm">
            <Title order={2} fz="lg">
              {j.filename ?? t("console.imports.title")}
            </Title>
            <StatusBadge status={j.status} />
          </Group>
          <Text fw={700} aria-hidden>
            {f.percent(j.progress)}
          </Text>
        </Group>
        <Progress.Root size="xl">
          <Progress.Section
            value={pct}
            animated={!FINISHED.has(j.status)}
            color={j.status === "failed" ? "red" : done ? "teal.9" : "blue"}
            aria-label={t("console.imports.progress_label")}
            aria-valuetext={f.percent(j.progress)}
          />
        </Progress.Root>
        <Text size="sm" mt="xs" aria-live="polite">
          {done
            ? t("console.imports.finished")
            : j.status === "failed"
              ? t("console.imports.failed_status")
              : t("console.imports.running", { rows: f.number(j.rows_total) })}
        </Text>
      </Card>
      {j.status === "failed" && (
        <Alert color="red" role="alert" title={t("console.imports.failed_title")}>
          {j.error ?? t("console.error.generic")}
        </Alert>
      )}
      <SimpleGrid cols={{ base: 2, md: 4 }}>
        {(
          [
            ["imported", j.rows_imported],
            ["updated", j.rows_updated],
            ["skipped", j.rows_skipped],
            ["rejected", j.rows_rejected],
          ] as const
        ).map(([key, n]) => (
          <Card withBorder key={key} padding="md">
            <Text size="sm" c="dimmed">
              {t(`console.imports.${key}`)}
            </Text>
            <Text fz={24} fw={700}>
              {f.number(n)}
            </Text>
          </Card>
        ))}
      </SimpleGrid>
      {done && (
        <Card withBorder padding="lg">
          <Group justify="space-between" mb="sm">
            <Title order={2} fz="lg">
              {t("console.imports.report")}
            </Title>
            {rows.length > 0 && (
              <Button
                component="a"
                href={downloadUrl(`/sys/newsletter/imports/${jobId}/rejected.csv`)}
                download
                variant="default"
                leftSection={<IconDownload size={16} aria-hidden />}
              >
                {t("console.imports.download_rejected")}
              </Button>
            )}
          </Group>
          {issues.isPending && <Loading />}
          {rows.length === 0 && !issues.isPending && (
            <Group gap="xs" c="teal.9">
              <IconCircleCheck size={18} aria-hidden />
              <Text size="sm">{t("console.imports.no_issues")}</Text>
            </Group>
          )}
          {rows.length > 0 && (
            <ScrollTable minWidth={480} maxHeight={420}>
              <Table striped verticalSpacing={6} fz="sm">
                <caption>{t("console.imports.issues_caption", { count: j.rows_skipped + j.rows_rejected })}</caption>
                <Table.Thead>
                  <Table.Tr>
                    <Table.Th w={90}>{t("console.imports.line")}</Table.Th>
                    <Table.Th>{t("console.imports.reason")}</Table.Th>
                  </Table.Tr>
                </Table.Thead>
                <Table.Tbody>
                  {rows.map((issue, i) => (
                    <Table.Tr key={i}>
                      <Table.Td>{f.number(issue.line)}</Table.Td>
                      <Table.Td>{issue.reason}</Table.Td>
                    </Table.Tr>
                  ))}
                </Table.Tbody>
              </Table>
            </ScrollTable>
          )}
          <Group mt="md">
            <Button component={Link} to={`/lists/${listId}`}>
              {t("console.imports.back_to_list")}
            </Button>
            <Anchor component="button" type="button" onClick={onAgain}>
              {t("console.imports.another")}
            </Anchor>
          </Group>
        </Card>
      )}
    </Stack>
  );
}
